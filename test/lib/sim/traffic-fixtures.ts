/** Workloads for the traffic model's tests: `readyPods` ready pods of one image each (`<service>:1`). */
import type { TrafficWorkload } from '../../../lib/sim/traffic-model.js';

export function workload(name: string, service: string, track: string, readyPods: number, extra: Partial<TrafficWorkload> = {}): TrafficWorkload {
  return {
    namespace: 'default',
    name,
    service,
    podLabels: { app: service, track },
    readyPods: Array.from({ length: readyPods }, () => [`${service}:1`]),
    dependencies: [],
    ...extra,
  };
}
