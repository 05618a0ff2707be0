import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lib/model/records.js';
import { useE2eRuntime } from './support/e2e-runtime.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Observability on the local runtime: the audit events committed by the handlers flow through the
 * emulated table stream into the real publish-events handler, which publishes them on the local bus
 * (EventBridge on AWS) and counts them; `GET /metrics` serves the counters in Prometheus text format.
 */
describe('metrics and events out, locally', () => {
  const runtime = useE2eRuntime();

  it('counts a rollout that was promoted and a rollout rolled back, and publishes each audit event once', async () => {
    const rt = runtime();
    const steps = [
      { weight: 50, pauseSeconds: 30 },
      { weight: 100, pauseSeconds: 0 },
    ];
    await rt.api.register({ name: 'observed', image: 'observed:1', port: 8080, replicas: 2, rollout: { steps } });
    const good = await rt.api.deploy('observed', { image: 'observed:2' });
    expect((await rt.api.waitForDeploymentEnd('observed', good.deploymentId)).status).toBe('promoted');
    rt.sim.faults.traffic({ image: 'observed:3', errorRate: 0.3 });
    const bad = await rt.api.deploy('observed', { image: 'observed:3' });
    expect((await rt.api.waitForDeploymentEnd('observed', bad.deploymentId)).status).toBe('rolledBack');

    const metrics = await waitFor('the counters of both rollouts', async () => {
      const text = await (await fetch(`${rt.url}/metrics`)).text();
      return /meshplane_rollouts_rolled_back_total 1/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^# TYPE meshplane_rollouts_started_total counter$/m);
    expect(metrics).toMatch(/^meshplane_rollouts_started_total 2$/m);
    expect(metrics).toMatch(/^meshplane_rollouts_promoted_total 1$/m);
    expect(metrics).toMatch(/^meshplane_analyses_failed_total 1$/m);
    expect(metrics).toMatch(/^meshplane_analysis_verdicts_total\{decision="rollback"\} 1$/m);
    expect(metrics).toMatch(/^meshplane_analysis_verdicts_total\{decision="(advance|promote)"\} \d+$/m);

    // The bus saw exactly the trail the API shows (each event once, same ids), in commit order per service.
    const trail = (await rt.api.events('observed')).map((e: AuditEvent) => e.id);
    const published = rt.runtime.local.events
      .since()
      .filter((e) => e.service === 'observed')
      .map((e) => e.id);
    expect([...published].sort()).toEqual([...trail].sort());
    expect(new Set(published).size).toBe(published.length);
  }, 120_000);
});
