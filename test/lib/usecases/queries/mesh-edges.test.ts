/** The mesh view's edges: declared and observed joined, priced where both sides run (pure, table-tested). */
import { describe, expect, it } from 'vitest';
import type { ObservedEdge } from '../../../../lib/model/observed-edges.js';
import { edgeLocality, transferDollarsPerMonth } from '../../../../lib/placement/edge-locality.js';
import { meshEdges, type EdgePlacement } from '../../../../lib/usecases/queries/mesh-edges.js';

// web: 2 pods in a, 1 in b; cart: 1 pod each in a, b, c (predicted cross-zone share 2/3).
const SPREAD: EdgePlacement = { callerZones: { a: 2, b: 1 }, calleeZones: { a: 1, b: 1, c: 1 }, sameCluster: true };
const OTHER_CLUSTER: EdgePlacement = { ...SPREAD, sameCluster: false };
const seen = (from: string, to: string, figures: Partial<ObservedEdge> = {}): ObservedEdge => ({ from, to, rps: 50, errorRate: 0.01, ...figures });

describe('meshEdges', () => {
  it.each([
    {
      name: 'declared and observed with zones: both; priced at the observed rate and measured share (the worked example)',
      declared: [{ from: 'web', to: 'cart', rps: 100 }],
      observed: [seen('web', 'cart', { p99LatencyMs: 40, crossZoneShare: 0.25 })],
      placement: SPREAD,
      expected: [
        {
          from: 'web',
          to: 'cart',
          source: 'both',
          declaredRps: 100,
          observed: { rps: 50, errorRate: 0.01, p99LatencyMs: 40, crossZoneShare: 0.25 },
          crossZoneShare: 0.25,
          crossZoneShareFrom: 'observed',
          dollarsPerMonth: transferDollarsPerMonth(50, 0.25),
        },
      ],
    },
    {
      name: 'declared, not observed: the declared rate at the share predicted from the ready pods',
      declared: [{ from: 'web', to: 'cart', rps: 100 }],
      observed: [],
      placement: SPREAD,
      expected: [
        {
          from: 'web',
          to: 'cart',
          source: 'declared',
          declaredRps: 100,
          ...edgeLocality(100, SPREAD.callerZones, SPREAD.calleeZones),
          crossZoneShareFrom: 'placement',
        },
      ],
    },
    {
      name: 'observed without zones: the observed rate at the predicted share',
      declared: [{ from: 'web', to: 'cart', rps: 100 }],
      observed: [seen('web', 'cart')],
      placement: SPREAD,
      expected: [
        {
          from: 'web',
          to: 'cart',
          source: 'both',
          declaredRps: 100,
          observed: { rps: 50, errorRate: 0.01 },
          ...edgeLocality(50, SPREAD.callerZones, SPREAD.calleeZones),
          crossZoneShareFrom: 'placement',
        },
      ],
    },
    {
      name: 'observed only (an undeclared call): declaredRps 0, after the declared edges',
      declared: [{ from: 'web', to: 'cart', rps: 100 }],
      observed: [seen('web', 'search', { crossZoneShare: 0 }), seen('audit', 'web', { crossZoneShare: 1 })],
      placement: SPREAD,
      expected: [
        expect.objectContaining({ from: 'web', to: 'cart', source: 'declared' }),
        expect.objectContaining({
          from: 'audit',
          to: 'web',
          source: 'observed',
          declaredRps: 0,
          crossZoneShare: 1,
          dollarsPerMonth: transferDollarsPerMonth(50, 1),
        }),
        expect.objectContaining({ from: 'web', to: 'search', source: 'observed', declaredRps: 0, crossZoneShare: 0, dollarsPerMonth: 0 }),
      ],
    },
    {
      name: 'between clusters every call crosses, whatever a zone series says',
      declared: [],
      observed: [seen('web', 'cart', { crossZoneShare: 0.1 })],
      placement: OTHER_CLUSTER,
      expected: [
        expect.objectContaining({
          source: 'observed',
          crossZoneShare: 1,
          crossZoneShareFrom: 'placement',
          dollarsPerMonth: transferDollarsPerMonth(50, 1, { sameCluster: false }),
        }),
      ],
    },
    {
      name: 'a side with no pods yet and no measurement: no share, no price',
      declared: [{ from: 'web', to: 'ghost', rps: 10 }],
      observed: [],
      placement: undefined,
      expected: [{ from: 'web', to: 'ghost', source: 'declared', declaredRps: 10 }],
    },
  ])('$name', ({ declared, observed, placement, expected }) => {
    expect(meshEdges(declared, observed, () => placement)).toEqual(expected);
  });
});
