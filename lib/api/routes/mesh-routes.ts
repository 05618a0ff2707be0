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
      declaredRps: z.number(),
      crossZoneShare: z.number().optional().describe('Share of calls crossing a zone where both sides run now (calls spread evenly over ready pods)'),
      dollarsPerMonth: z.number().optional().describe('Data transfer cost of those calls at 2 KiB per request'),
    }),
  ),
  nodes: z.array(z.object({ cluster: z.string(), name: z.string(), zone: z.string(), ready: z.boolean() })),
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
        "rollout's split; the declared call graph with each edge's cross-zone share and $/month; the nodes of each cluster",
      responses: { 200: { description: 'The mesh', schema: MeshViewSchema } },
      handle: async () => json(200, await meshView(deps)),
    },
  ];
}
