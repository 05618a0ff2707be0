import * as z from 'zod';
import type { CoreDeps } from '../../usecases/deps.js';
import { meshView } from '../../usecases/queries/mesh-view.js';
import { json } from '../http.js';
import type { Route } from '../router.js';

const MeshService = z.object({
  name: z.string(),
  namespace: z.string(),
  cluster: z.string().optional(),
  phase: z.enum(['active', 'failed', 'deleted']),
  image: z.string(),
  revision: z.number().int(),
  replicas: z.number().int().describe('Replicas the spec asks for'),
  cpu: z.number().describe('CPU requested per replica, millicores'),
  memory: z.number().describe('Memory requested per replica, MiB'),
  health: z.enum(['healthy', 'degraded', 'unavailable', 'failed', 'unknown']),
  readyReplicas: z.number().int().optional(),
  podsPerZone: z.record(z.string(), z.number()).optional(),
  pods: z
    .array(
      z.object({
        name: z.string(),
        node: z.string().optional(),
        zone: z.string().optional(),
        ready: z.boolean(),
        track: z.string().optional(),
        waitingReason: z.string().optional(),
      }),
    )
    .optional(),
  statusError: z.string().optional(),
  observedAgeSeconds: z.number().optional(),
  rollout: z.object({ deploymentId: z.string(), canaryImage: z.string(), canaryWeight: z.number(), canaryReplicas: z.number() }).optional(),
});

export const MeshViewSchema = z.object({
  services: z.array(MeshService),
  edges: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      source: z.enum(['declared', 'observed', 'both']).describe('Declared as a dependency, observed by the mesh, or both'),
      declaredRps: z.number().describe('Calls per second the caller declares; 0 for an edge only observed'),
      observed: z
        .object({
          rps: z.number(),
          errorRate: z.number().describe('Share of calls answered 5xx, 0..1'),
          p99LatencyMs: z.number().optional().describe('p99 latency the callers saw'),
          crossZoneShare: z.number().optional().describe('Share of calls that crossed a zone, when the metrics report zones'),
        })
        .optional()
        .describe("What the callers' proxies reported over the last window (see traffic)"),
      crossZoneShare: z.number().optional().describe('Share of calls crossing a zone: measured when observed, else predicted from where the ready pods run'),
      crossZoneShareFrom: z.enum(['observed', 'placement']).optional(),
      dollarsPerMonth: z.number().optional().describe('Data transfer cost of the calls crossing a zone at 2 KiB per request, at the observed rate if any'),
    }),
  ),
  nodes: z.array(z.object({ cluster: z.string(), name: z.string(), zone: z.string(), ready: z.boolean() })),
  traffic: z
    .object({
      observedAt: z.string().optional(),
      ageSeconds: z.number().optional(),
      windowSeconds: z.number().optional(),
      problems: z.array(z.string()).optional().describe('Why figures are missing (no per-edge telemetry, a failed read, not observed yet)'),
      omitted: z.number().optional().describe('Quietest observed edges left out to keep the record within its size limit'),
    })
    .describe("When the health probe recorded the edges' observed figures; the API reads no metrics backend itself"),
  generatedAt: z.string(),
});

export function meshRoutes(deps: CoreDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/mesh',
      tag: 'services',
      summary:
        'The mesh in one read (the dashboard graph): every service with its last observed replicas, pods and health and a running ' +
        "rollout's split; the declared and observed call graph with each edge's rps, error rate, p99, cross-zone share and $/month " +
        '(observed figures as the health probe last recorded them, with their age); the nodes of each cluster',
      responses: { 200: { description: 'The mesh', schema: MeshViewSchema } },
      handle: async () => json(200, await meshView(deps)),
    },
  ];
}
