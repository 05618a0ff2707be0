import { describe, expect, it } from 'vitest';
import { emptyLedger, type LedgerAction } from '../../../../lib/health/remediation-ledger.js';
import { DEFAULT_REMEDIATION_POLICY } from '../../../../lib/health/remediation-policy.js';
import { evacuatedRecently, nodesToStopAvoiding, placementWithout, type ReleasedNode } from '../../../../lib/usecases/health/recovered-nodes.js';
import { node } from './health-fakes.js';

describe('nodesToStopAvoiding', () => {
  const cluster = [node('node-a-1'), node('node-b-1', false), node('node-c-1')];

  it.each<{ name: string; avoid: string[] | undefined; nodes?: ReturnType<typeof node>[]; expected: ReleasedNode[] }>([
    { name: 'nothing avoided', avoid: undefined, expected: [] },
    { name: 'an empty avoided list', avoid: [], expected: [] },
    { name: 'a node that is Ready again', avoid: ['node-a-1'], expected: [{ node: 'node-a-1', why: 'ready' }] },
    { name: 'a node still NotReady stays avoided', avoid: ['node-b-1'], expected: [] },
    { name: 'a node that no longer exists', avoid: ['node-gone'], expected: [{ node: 'node-gone', why: 'gone' }] },
    {
      name: 'a mix, in name order, each once',
      avoid: ['node-gone', 'node-c-1', 'node-b-1', 'node-a-1', 'node-c-1'],
      expected: [
        { node: 'node-a-1', why: 'ready' },
        { node: 'node-c-1', why: 'ready' },
        { node: 'node-gone', why: 'gone' },
      ],
    },
    { name: 'an empty node listing proves nothing: nothing is released', avoid: ['node-a-1', 'node-gone'], nodes: [], expected: [] },
  ])('$name', ({ avoid, nodes = cluster, expected }) => {
    expect(nodesToStopAvoiding(avoid, nodes)).toEqual(expected);
  });
});

describe('placementWithout', () => {
  it.each([
    {
      name: 'drops the released nodes and keeps the rest of the placement',
      placement: { runId: 'run-1', requiredNodes: ['n1', 'n2'], avoidNodes: ['n3', 'n4'], preferredNodes: [{ node: 'n1', weight: 50 }] },
      released: ['n3'],
      expected: { runId: 'run-1', requiredNodes: ['n1', 'n2'], avoidNodes: ['n4'], preferredNodes: [{ node: 'n1', weight: 50 }] },
    },
    {
      name: 'no avoided node left: the list goes',
      placement: { runId: 'remediation:sig-1', avoidNodes: ['n3'] },
      released: ['n3'],
      expected: { runId: 'remediation:sig-1', avoidNodes: undefined },
    },
  ])('$name', ({ placement, released, expected }) => {
    expect(placementWithout(placement, released)).toEqual(expected);
  });
});

describe('evacuatedRecently: a recent evacuation holds its nodes for the escalation window (1 h by default)', () => {
  const now = new Date('2030-01-01T12:00:00.000Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
  const action = (kind: LedgerAction['kind'], at: string, extra: Partial<LedgerAction> = {}): LedgerAction => ({
    service: 'web',
    kind,
    at,
    signalId: 'sig',
    dryRun: false,
    ...extra,
  });

  it.each<{ name: string; actions: LedgerAction[]; held: boolean }>([
    { name: 'no action at all', actions: [], held: false },
    { name: 'a node evacuated 10 minutes ago', actions: [action('evacuateNode', minutesAgo(10))], held: true },
    { name: 'a zone evacuated 59 minutes ago', actions: [action('evacuateZone', minutesAgo(59))], held: true },
    { name: 'a node evacuated exactly an hour ago', actions: [action('evacuateNode', minutesAgo(60))], held: false },
    { name: 'a node evacuated 2 hours ago', actions: [action('evacuateNode', minutesAgo(120))], held: false },
    { name: 'a recent restart is not an evacuation', actions: [action('restart', minutesAgo(5))], held: false },
    { name: 'a dry run evacuated nothing', actions: [action('evacuateNode', minutesAgo(5), { dryRun: true })], held: false },
    { name: 'another service’s evacuation', actions: [action('evacuateNode', minutesAgo(5), { service: 'api' })], held: false },
  ])('$name → held: $held', ({ actions, held }) => {
    expect(evacuatedRecently({ ...emptyLedger(), actions }, 'web', DEFAULT_REMEDIATION_POLICY, now)).toBe(held);
  });
});
