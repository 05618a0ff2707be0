import { describe, expect, it } from 'vitest';
import { applyRouting, describeRouting, routingState, zoneRegions } from '../../../../lib/usecases/optimizer/apply-routing.js';
import { useTestStack } from '../../../support/local-stack.js';
import { FakeOptimizerWorld } from './optimizer-fakes.js';
import { node, RUNNING_ROLLOUT, service } from './placement-fixtures.js';

// The records live in the real store (DynamoDB adapter on dynalite); the converger is a no-op here (the e2e runs the real one).
const stack = useTestStack();

describe('what an optimizer run stores for a routing decision', () => {
  it("reads each zone's region from its nodes' labels, leaving out zones without one", () => {
    const nodes = [
      { ...node('a1', 'zone-a'), labels: { 'topology.kubernetes.io/region': 'r1' } },
      { ...node('b1', 'zone-b'), labels: { 'topology.kubernetes.io/region': 'r1' } },
      node('c1', 'zone-c'),
    ];
    expect(zoneRegions(nodes)).toEqual({ 'zone-a': 'r1', 'zone-b': 'r1' });
  });

  it('keeps the regions of the zones the decision names only', () => {
    const regions = { a: 'r1', b: 'r1', c: 'r1' };
    expect(routingState({ mode: 'distribute', distribute: [{ from: 'a', to: { a: 70, b: 30 } }] }, 'opt-1', regions)).toEqual({
      runId: 'opt-1',
      mode: 'distribute',
      distribute: [{ from: 'a', to: { a: 70, b: 30 } }],
      regions: { a: 'r1', b: 'r1' },
    });
    expect(routingState({ mode: 'preferSameZone' }, 'opt-1', regions)).toEqual({ runId: 'opt-1', mode: 'preferSameZone' });
  });

  it('says in the audit trail where calls go', () => {
    expect(describeRouting({ mode: 'distribute', distribute: [{ from: 'a', to: { a: 70, b: 30 } }] })).toBe('from a: 70% a, 30% b');
    expect(describeRouting({ mode: 'uniform' })).toBe('round-robin over every zone');
  });
});

describe('applyRouting', () => {
  const regions = { a: 'r1', b: 'r1' };
  const split = { mode: 'distribute' as const, distribute: [{ from: 'a', to: { a: 80, b: 20 } }] };

  it('stores the decision on each record and audits it; modelled services it does not name get uniform; a second delivery changes nothing', async () => {
    const world = new FakeOptimizerWorld(stack());
    world.addService(service('web', { dependencies: [{ service: 'api', rps: 10 }] }));
    world.addService(service('api'));
    const outcomes = await applyRouting(world.deps(), { api: split }, ['api', 'web'], 'opt-1', regions);
    expect(outcomes).toEqual([
      { service: 'api', mode: 'distribute', outcome: 'applied' },
      { service: 'web', mode: 'uniform', outcome: 'applied' },
    ]);
    expect((await world.service('api'))?.routing).toEqual({ runId: 'opt-1', ...split, regions });
    expect((await world.service('web'))?.routing).toEqual({ runId: 'opt-1', mode: 'uniform' });
    expect((await world.events()).filter((e) => e.type === 'RoutingChanged').map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'optimizer run opt-1 routes calls to api: from a: 80% a, 20% b',
        'optimizer run opt-1 routes calls to web: round-robin over every zone',
      ]),
    );
    const again = await applyRouting(world.deps(), { api: split }, ['api', 'web'], 'opt-2', regions);
    expect(again.map((o) => o.outcome)).toEqual(['unchanged', 'unchanged']);
    expect((await world.service('api'))?.routing?.runId).toBe('opt-1');
  });

  it('keeps a service in a rollout, one whose spec fixes its policy, and one that is gone', async () => {
    const world = new FakeOptimizerWorld(stack());
    world.addService(service('api', {}, { traffic: RUNNING_ROLLOUT }));
    world.addService(service('db', { mesh: { localityRouting: 'preferSameZone' } }));
    const outcomes = await applyRouting(world.deps(), { api: split, db: split, gone: split }, [], 'opt-1', regions);
    expect(outcomes).toEqual([
      { service: 'api', mode: 'distribute', outcome: 'kept', reason: 'rollout dep-7 is running' },
      { service: 'db', mode: 'distribute', outcome: 'kept', reason: 'its spec fixes mesh.localityRouting: preferSameZone' },
      { service: 'gone', mode: 'distribute', outcome: 'kept', reason: 'the service is not registered' },
    ]);
    expect((await world.service('api'))?.routing).toBeUndefined();
    expect((await world.service('db'))?.routing).toBeUndefined();
  });
});
