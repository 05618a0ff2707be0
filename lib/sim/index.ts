/** The simulated Kubernetes cluster: public API. */
export { startSimCluster, type SimCluster, type SimClusterOptions } from './cluster.js';
export type { SimFaults, SimStateSummary, SimNodeState, ActiveFaults, TrafficFault, ApiFaultInput } from './faults.js';
export { FaultRequestError } from './faults.js';
export type { ZoneTrafficSummary } from './zone-telemetry.js';
