import { describe, expect, it } from 'vitest';
import { PrometheusTelemetry, snake } from '../../../lib/local/prometheus-telemetry.js';

describe('the local metrics in Prometheus text format', () => {
  it('sums counts per label set, keeps the latest and highest of timings, and escapes label values', () => {
    const t = new PrometheusTelemetry();
    t.count({ name: 'RolloutsStarted', value: 1 });
    t.count({ name: 'RolloutsStarted', value: 1 });
    t.count({ name: 'Remediations', value: 1, dimensions: { outcome: 'applied', action: 'restart' } });
    t.count({ name: 'Remediations', value: 1, dimensions: { action: 'scaleOut', outcome: 'applied' } });
    t.count({ name: 'Remediations', value: 1, dimensions: { action: 'restart', outcome: 'applied' } });
    t.count({ name: 'QueueAgeMs', value: 900, unit: 'Milliseconds' });
    t.count({ name: 'QueueAgeMs', value: 200, unit: 'Milliseconds' });
    t.count({ name: 'AuditEvents', value: 1, dimensions: { type: 'say "hi"\\now' } });
    expect(t.render()).toBe(
      [
        '# TYPE meshplane_audit_events_total counter',
        'meshplane_audit_events_total{type="say \\"hi\\"\\\\now"} 1',
        '# TYPE meshplane_queue_age_ms gauge',
        'meshplane_queue_age_ms 200',
        '# TYPE meshplane_queue_age_ms_max gauge',
        'meshplane_queue_age_ms_max 900',
        '# TYPE meshplane_remediations_total counter',
        'meshplane_remediations_total{action="restart",outcome="applied"} 2',
        'meshplane_remediations_total{action="scaleOut",outcome="applied"} 1',
        '# TYPE meshplane_rollouts_started_total counter',
        'meshplane_rollouts_started_total 2',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['RolloutsRolledBack', 'rollouts_rolled_back'],
    ['QueueAgeMs', 'queue_age_ms'],
    ['OptimizerMonthlySavings', 'optimizer_monthly_savings'],
  ])('%s is named %s', (name, expected) => {
    expect(snake(name)).toBe(expected);
  });
});
