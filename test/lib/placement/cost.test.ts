import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../lib/placement/cost.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';

// n1, n2 in zone a; n3 in zone b (cluster east); n4 in cluster west. Default distances:
// same node 0.05 ms, same zone 0.2 ms, cross zone 1.0 ms / $0.02 per GB, cross cluster 5 ms / $0.02.
const nodes = [
  { id: 'n1', zone: 'a', cluster: 'east', cpu: 4000, memory: 8192 },
  { id: 'n2', zone: 'a', cluster: 'east', cpu: 4000, memory: 8192 },
  { id: 'n3', zone: 'b', cluster: 'east', cpu: 4000, memory: 8192, risk: 0.5 },
  { id: 'n4', zone: 'c', cluster: 'west', cpu: 4000, memory: 8192 },
];
const base: PlacementInstanceInput = {
  services: [
    { name: 'A', replicas: 2, cpu: 100, memory: 128 },
    { name: 'B', replicas: 1, cpu: 100, memory: 128 },
  ],
  nodes,
  traffic: [{ from: 'A', to: 'B', rps: 100 }],
};
// 100 rps × 2048 B × 730 h × 3600 s / 2^30 B per GB
const GB_PER_MONTH = (100 * 2048 * 730 * 3600) / 1073741824;

describe('evaluate', () => {
  it.each([
    // A's two replicas each meet B once: the expected distance is the mean of the two pairs.
    {
      name: 'one pair on a node, one across zones',
      placement: { A: ['n1', 'n3'], B: ['n1'] },
      latency: (100 * (0.05 + 1.0)) / 2,
      dollars: GB_PER_MONTH * 0.5 * 0.02,
    },
    { name: 'both pairs in the same zone', placement: { A: ['n1', 'n2'], B: ['n2'] }, latency: (100 * (0.2 + 0.05)) / 2, dollars: 0 },
    { name: 'everything across clusters', placement: { A: ['n1', 'n3'], B: ['n4'] }, latency: 100 * 5, dollars: GB_PER_MONTH * 0.02 },
  ])('prices $name', ({ placement, latency, dollars }) => {
    const cost = evaluate(base, placement);
    expect(cost.communication).toBeCloseTo(latency, 9);
    expect(cost.latencyMsPerSecond).toBeCloseTo(latency, 9);
    expect(cost.meanLatencyMs).toBeCloseTo(latency / 100, 9);
    expect(cost.dollarsPerMonth).toBeCloseTo(dollars, 9);
    expect(cost.total).toBeCloseTo(latency, 9);
  });

  it('reports the share of requests per network level', () => {
    const cost = evaluate(base, { A: ['n1', 'n3'], B: ['n1'] });
    expect(cost.trafficShare).toEqual({ sameNode: 0.5, sameZone: 0, crossZone: 0.5, crossCluster: 0 });
  });

  it('adds both directions of a pair', () => {
    const cost = evaluate(
      {
        ...base,
        traffic: [
          { from: 'A', to: 'B', rps: 100 },
          { from: 'B', to: 'A', rps: 50 },
        ],
      },
      { A: ['n1', 'n3'], B: ['n1'] },
    );
    expect(cost.communication).toBeCloseTo(150 * 0.525, 9);
  });

  it('uses bytes per request for the dollar figure', () => {
    const cost = evaluate({ ...base, traffic: [{ from: 'A', to: 'B', rps: 100, bytesPerRequest: 4096 }] }, { A: ['n3', 'n3'], B: ['n1'] });
    expect(cost.dollarsPerMonth).toBeCloseTo(2 * GB_PER_MONTH * 0.02, 9);
  });

  it('minimises dollars with the egress objective', () => {
    const cost = evaluate({ ...base, objective: 'egress' }, { A: ['n1', 'n3'], B: ['n1'] });
    expect(cost.communication).toBeCloseTo(GB_PER_MONTH * 0.5 * 0.02, 9);
    expect(cost.latencyMsPerSecond).toBeCloseTo(52.5, 9);
  });

  it.each([
    // current A on n1,n2; B on n1. λ = 10 per moved replica.
    { name: 'nothing moved', placement: { A: ['n1', 'n2'], B: ['n1'] }, moves: 0 },
    { name: 'same nodes in another order (replicas are interchangeable)', placement: { A: ['n2', 'n1'], B: ['n1'] }, moves: 0 },
    { name: 'one replica of A moved', placement: { A: ['n3', 'n1'], B: ['n1'] }, moves: 1 },
    { name: 'A stacked on n1: one of its replicas moved', placement: { A: ['n1', 'n1'], B: ['n1'] }, moves: 1 },
    { name: 'everything moved', placement: { A: ['n3', 'n4'], B: ['n2'] }, moves: 3 },
  ])('counts moves: $name', ({ placement, moves }) => {
    const cost = evaluate({ ...base, migrationCost: 10, current: { A: ['n1', 'n2'], B: ['n1'] } }, placement);
    expect(cost.moves).toBe(moves);
    expect(cost.migration).toBe(10 * moves);
    expect(cost.total).toBeCloseTo(cost.communication + 10 * moves, 9);
  });

  it('does not count new replicas of a scaled-up service as moves', () => {
    const cost = evaluate({ ...base, migrationCost: 10, current: { A: ['n1'], B: ['n1'] } }, { A: ['n1', 'n3'], B: ['n1'] });
    expect(cost.moves).toBe(0);
  });

  it('weighs the risk of the nodes each replica uses', () => {
    // One replica of A on n3 (risk 0.5) with riskWeight 4.
    const cost = evaluate({ ...base, riskWeight: 4 }, { A: ['n1', 'n3'], B: ['n1'] });
    expect(cost.risk).toBeCloseTo(2, 9);
    expect(cost.total).toBeCloseTo(52.5 + 2, 9);
  });

  it('rejects an assignment that does not match the instance', () => {
    expect(() => evaluate(base, { A: ['n1'], B: ['n9'] })).toThrow(/has 1 placements for 2 replicas.*unknown node "n9"/);
  });
});
