/**
 * The placement problem as data: services with replicas and resource requests, nodes with capacity,
 * the network distance model, the traffic between services and the current placement. This is also
 * the JSON instance format read by `loadInstance` (documented field by field below and in
 * `lib/placement/README.md`).
 */
import * as z from 'zod';
import { DEFAULT_MAX_NODE_SHARE } from './node-limit.js';

/** Bytes per request when a traffic edge does not say (2 KB). */
export const DEFAULT_BYTES_PER_REQUEST = 2_048;
/** AWS prices a month as 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3_600;
/** AWS bills data transfer per GB of 2^30 bytes. */
export const BYTES_PER_GB = 2 ** 30;

/** Cost of sending traffic across one level of the network hierarchy. */
export const DistanceLevel = z.object({
  latencyMs: z.number().min(0).describe('Added network latency per request at this level, in ms'),
  dollarsPerGB: z.number().min(0).describe('Data transfer price at this level, in $ per GB (both directions counted)'),
});
export type DistanceLevel = z.infer<typeof DistanceLevel>;

/** The four levels, nearest first. Both latency and price must not decrease with the level. */
export const NETWORK_LEVELS = ['sameNode', 'sameZone', 'crossZone', 'crossCluster'] as const;
export type NetworkLevel = (typeof NETWORK_LEVELS)[number];

export const DEFAULT_DISTANCES: Record<NetworkLevel, DistanceLevel> = {
  sameNode: { latencyMs: 0.05, dollarsPerGB: 0 },
  sameZone: { latencyMs: 0.2, dollarsPerGB: 0 },
  crossZone: { latencyMs: 1.0, dollarsPerGB: 0.02 },
  crossCluster: { latencyMs: 5.0, dollarsPerGB: 0.02 },
};

export const DistanceModel = z
  .object({
    sameNode: DistanceLevel.default(DEFAULT_DISTANCES.sameNode),
    sameZone: DistanceLevel.default(DEFAULT_DISTANCES.sameZone),
    crossZone: DistanceLevel.default(DEFAULT_DISTANCES.crossZone),
    crossCluster: DistanceLevel.default(DEFAULT_DISTANCES.crossCluster),
  })
  .superRefine((d, ctx) => {
    // The solvers decompose distance into non-negative steps between levels; a farther level that is
    // cheaper than a nearer one would break that (and would not describe a real network).
    for (let i = 1; i < NETWORK_LEVELS.length; i++) {
      const near = d[NETWORK_LEVELS[i - 1]];
      const far = d[NETWORK_LEVELS[i]];
      for (const key of ['latencyMs', 'dollarsPerGB'] as const) {
        if (far[key] < near[key])
          ctx.addIssue({ code: 'custom', path: [NETWORK_LEVELS[i], key], message: `must be at least ${NETWORK_LEVELS[i - 1]}.${key} (${near[key]})` });
      }
    }
  });
export type DistanceModel = z.output<typeof DistanceModel>;

export const ServiceDemand = z.object({
  name: z.string().min(1).describe('Service key; traffic, pins and placements refer to it'),
  replicas: z.number().int().min(0).max(10_000),
  cpu: z.number().positive().describe('CPU request per replica, millicores'),
  memory: z.number().positive().describe('Memory request per replica, MiB'),
  allowedNodes: z.array(z.string().min(1)).optional().describe('Pin: replicas may run only on these nodes'),
  excludedNodes: z.array(z.string().min(1)).optional().describe('Replicas must not run on these nodes'),
  maxPerNode: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Most replicas of this service on one node (a node loss takes at most this many); default from availability.maxNodeShare'),
  fixed: z
    .boolean()
    .optional()
    .describe('Keep every replica where `current` puts it (e.g. mid-rollout): the service still sends and receives traffic but never moves'),
});
export type ServiceDemand = z.infer<typeof ServiceDemand>;

export const PlacementNode = z.object({
  id: z.string().min(1),
  zone: z.string().min(1),
  cluster: z.string().min(1).default('default'),
  cpu: z.number().min(0).describe('Allocatable CPU for the placed services, millicores'),
  memory: z.number().min(0).describe('Allocatable memory for the placed services, MiB'),
  risk: z.number().min(0).max(1).default(0).describe('Failure risk estimate 0..1 from health data'),
});
export type PlacementNode = z.output<typeof PlacementNode>;

export const TrafficEdge = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  rps: z.number().min(0),
  bytesPerRequest: z.number().positive().optional().describe(`Request plus response bytes; default ${DEFAULT_BYTES_PER_REQUEST}`),
});
export type TrafficEdge = z.infer<typeof TrafficEdge>;

/** Which per-level figure the objective minimises. `latency`: rps × ms; `egress`: $ per month. */
export const ObjectiveMetric = z.enum(['latency', 'egress']);
export type ObjectiveMetric = z.infer<typeof ObjectiveMetric>;

/** Node id of every replica, per service. `placement[svc][i]` hosts replica i of svc. */
export const Assignment = z.record(z.string(), z.array(z.string().min(1)));
export type Assignment = z.infer<typeof Assignment>;

/**
 * The availability rule every solver and the move planner keep. A node may hold at most
 * max(1, ⌊replicas × maxNodeShare⌋) replicas of a service (or the service's `maxPerNode`), so with the
 * default 1/3 a node loss takes at most a third of any service with ≥ 3 replicas. Zone spread (≥ 2
 * replicas span ≥ 2 zones) holds as well.
 */
export const AvailabilityPolicy = z.object({
  maxNodeShare: z.number().gt(0).max(1).default(DEFAULT_MAX_NODE_SHARE).describe("Largest fraction of a service's replicas on one node"),
});
export type AvailabilityPolicy = z.output<typeof AvailabilityPolicy>;

/** How the optimizer may route calls between zones (lib/placement/routing.ts). */
export const RoutingPolicy = z.object({
  zoneLoadCap: z
    .number()
    .min(1)
    .default(1.2)
    .describe("Most traffic a callee zone may take, as a multiple of its replica share of the service's traffic (1 = uniform load)"),
});
export type RoutingPolicy = z.output<typeof RoutingPolicy>;

export const PlacementInstance = z.object({
  version: z.literal(1).default(1),
  services: z.array(ServiceDemand),
  nodes: z.array(PlacementNode),
  traffic: z.array(TrafficEdge).default([]),
  distance: DistanceModel.default(DistanceModel.parse({})),
  objective: ObjectiveMetric.default('latency'),
  migrationCost: z.number().min(0).default(0).describe('λ: objective units added per replica that changes node'),
  riskWeight: z.number().min(0).default(0).describe('Objective units per replica per unit of node risk'),
  availability: AvailabilityPolicy.default(AvailabilityPolicy.parse({})),
  routing: RoutingPolicy.default(RoutingPolicy.parse({})),
  current: Assignment.optional().describe('Where replicas run now; a list may be shorter than replicas (new replicas)'),
});
/** A validated instance with defaults filled in. */
export type PlacementInstance = z.output<typeof PlacementInstance>;
/** An instance as written by hand: defaults may be left out. */
export type PlacementInstanceInput = z.input<typeof PlacementInstance>;
