/** `meshplane optimizer runs` for people: one line per run, newest first, cost before and after (pure formatting). */
import { describe, expect, it } from 'vitest';
import { formatOptimizerRuns } from '../../../cli/commands/optimizer.js';
import type { OptimizerRunSummary } from '../../../lib/usecases/optimizer/optimizer-run.js';

const cost = (dollarsPerMonth: number, meanLatencyMs: number) => ({
  total: 1,
  communication: 1,
  latencyMsPerSecond: 1,
  meanLatencyMs,
  dollarsPerMonth,
  trafficShare: { sameNode: 0, sameZone: 0.5, crossZone: 0.5, crossCluster: 0 },
});

describe('formatOptimizerRuns', () => {
  it('shows each run with its $/month before and after, and how many moves landed', () => {
    const runs: OptimizerRunSummary[] = [
      {
        id: 'opt-b',
        status: 'applied',
        dryRun: false,
        solver: 'ilp',
        costBefore: cost(12.5, 1.2),
        costAfterPlan: cost(4, 0.4),
        moves: 3,
        movedReplicas: 2,
        frozen: 0,
        startedAt: '2030-01-01T12:00:00.123Z',
        finishedAt: '2030-01-01T12:00:05.000Z',
      },
      {
        id: 'opt-a',
        status: 'failed',
        dryRun: true,
        solver: 'auto',
        moves: 0,
        frozen: 0,
        startedAt: '2030-01-01T11:00:00.000Z',
        finishedAt: '2030-01-01T11:00:00.000Z',
      },
    ];
    const lines = formatOptimizerRuns(runs).split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STARTED\s+STATUS\s+SOLVER\s+BEFORE \$\/MONTH\s+AFTER \$\/MONTH\s+MEAN LATENCY\s+MOVES$/);
    expect(lines[1]).toMatch(/^opt-b\s+2030-01-01T12:00:00Z\s+applied\s+ilp\s+12\.50\s+4\.00\s+1\.200 → 0\.400 ms\s+2\/3 moved$/);
    expect(lines[2]).toMatch(/^opt-a\s+2030-01-01T11:00:00Z\s+failed\s+auto\s+-\s+-\s+-\s+0$/);
  });

  it('says so when there is no run', () => {
    expect(formatOptimizerRuns([])).toBe('no optimizer runs in the last 30 days');
  });
});
