/**
 * A joint optimizer run end to end: `POST /v1/optimizer/runs {"solver": "joint"}` decides placement and
 * zone routing together, the run stores the routing, the converger renders it, and the simulated
 * cluster's measured cross-zone share drops from round-robin's. The mesh has locality load balancing off
 * mesh-wide (`meshLocalityLb: false`), so the "before" is real round-robin (see locality-routing.e2e).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import type { OptimizerRun } from '../../lib/usecases/optimizer/optimizer-run.js';
import { waitFor } from '../support/wait-for.js';
import { MeshplaneApi } from './support/meshplane-api.js';

const spec = (name: string, dependencies: { service: string; rps: number }[]): ServiceSpecInput => ({
  name,
  image: `registry.example.com/shop/${name}:1.0.0`,
  port: 8080,
  replicas: 3,
  resources: { cpu: 100, memory: 128 },
  dependencies,
});
const GRAPH = [spec('front', [{ service: 'orders', rps: 300 }]), spec('orders', [{ service: 'stock', rps: 600 }]), spec('stock', [])];
const CALLS_RPS = 900;

let runtime: LocalRuntime;
let api: MeshplaneApi;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  runtime = await startMeshplaneLocal({ port: 0, timeFactor: 0.02, sim: { readyDelayMs: 0, nodesPerZone: 2, meshLocalityLb: false } });
  api = new MeshplaneApi(runtime.url, runtime);
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('a joint optimizer run', () => {
  it('decides the zone routing with the placement, and the measured cross-zone share drops', async () => {
    for (const s of GRAPH) await api.register(s);
    for (const s of GRAPH) await api.waitForReadyReplicas(s.name, 3);
    const counted = (ready: (share: number) => boolean) =>
      waitFor(
        'all calls counted',
        () => {
          const s = runtime.sim!.zoneTraffic();
          return Math.abs(s.rps - CALLS_RPS) < 1e-6 && ready(s.crossZoneShare) ? s.crossZoneShare : undefined;
        },
        { timeoutMs: 60_000 },
      );
    const before = await counted(() => true);
    expect(before).toBeGreaterThan(0.5);

    const accepted = await api.expect<{ operationId: string; links: { run: string } }>(202, 'POST', '/v1/optimizer/runs', { solver: 'joint' });
    await api.succeeded(accepted, 120_000);
    const run = await api.expect<OptimizerRun>(200, 'GET', accepted.links.run);
    expect(run.routing).toBeDefined();
    expect(run.appliedRouting?.some((r) => r.outcome === 'applied')).toBe(true);

    const after = await counted((share) => share < before / 2);
    console.log(JSON.stringify({ figures: 'joint-routing', crossZoneShareBefore: before, crossZoneShareAfter: after, solver: run.solver }));
    expect(after).toBeLessThan(before / 2);
  }, 240_000);
});
