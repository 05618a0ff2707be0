import { describe, expect, it } from 'vitest';
import { countersOf, METRICS } from '../../../lib/observability/audit-metrics.js';
import { optimizerRunCounters } from '../../../lib/observability/optimizer-metrics.js';
import type { AuditEvent } from '../../../lib/model/records.js';

const event = (type: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  service: 'checkout',
  id: 'e1',
  at: '2026-12-05T10:00:00Z',
  type,
  message: 'm',
  ...extra,
});
const audit = (type: string) => ({ name: METRICS.auditEvents, value: 1, dimensions: { type } });

describe('the counters an audit event stands for', () => {
  it.each([
    ['RolloutStarted', {}, [{ name: 'RolloutsStarted', value: 1 }]],
    ['RolloutPromoted', {}, [{ name: 'RolloutsPromoted', value: 1 }]],
    ['RolloutRolledBack', {}, [{ name: 'RolloutsRolledBack', value: 1 }]],
    ['RolloutAborted', {}, [{ name: 'RolloutsAborted', value: 1 }]],
    ['AnalysisFailed', {}, [{ name: 'AnalysesFailed', value: 1 }]],
    ['RemediationApplied', { data: { decision: 'restart' } }, [{ name: 'Remediations', value: 1, dimensions: { action: 'restart', outcome: 'applied' } }]],
    ['RemediationFailed', { data: { decision: 'scaleOut' } }, [{ name: 'Remediations', value: 1, dimensions: { action: 'scaleOut', outcome: 'failed' } }]],
    ['RemediationSkipped', { data: { decision: 'none' } }, [{ name: 'Remediations', value: 1, dimensions: { action: 'none', outcome: 'skipped' } }]],
    // A label value is never free text: anything unexpected becomes "none".
    [
      'RemediationApplied',
      { data: { decision: 'rm -rf / ; echo "x"' } },
      [{ name: 'Remediations', value: 1, dimensions: { action: 'none', outcome: 'applied' } }],
    ],
    ['Moved', { message: 'optimizer run r1 moved 3 pod(s) of checkout, one at a time: a → b' }, [{ name: 'OptimizerPodsMoved', value: 3 }]],
    ['ServiceRegistered', {}, []],
  ])('%s %j', (type, extra, expected) => {
    expect(countersOf(event(type, extra))).toEqual([audit(type), ...expected]);
  });
});

describe('the counters of an optimizer run', () => {
  it.each([
    [
      'an applied plan counts its $/month saved',
      { status: 'applied', dryRun: false, costBefore: { dollarsPerMonth: 900 }, costAfterPlan: { dollarsPerMonth: 600 } },
      300,
    ],
    ['a dry run saves nothing', { status: 'planned', dryRun: true, costBefore: { dollarsPerMonth: 900 }, costAfterPlan: { dollarsPerMonth: 600 } }, undefined],
    ['a failed run saves nothing', { status: 'failed' }, undefined],
    ['a plan never counts a negative saving', { status: 'applied', costBefore: { dollarsPerMonth: 500 }, costAfterPlan: { dollarsPerMonth: 600 } }, 0],
  ])('%s', (_, run, saved) => {
    const counters = optimizerRunCounters(run);
    expect(counters[0]).toEqual({ name: 'OptimizerRuns', value: 1, dimensions: { status: run.status } });
    expect(counters.find((c) => c.name === 'OptimizerMonthlySavings')?.value).toBe(saved);
  });
});
