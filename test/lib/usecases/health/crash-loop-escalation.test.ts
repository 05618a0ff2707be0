/**
 * A stable image that keeps crash-looping, probe after probe (every 6 s), with the alarm handler deciding
 * each signal: the trail shows the restart that was tried, then one escalation to a person, and nothing
 * more while nothing changes — even while the crash loop's condition flickers between ALARM and OK as
 * the pods restart. A change to the service (a deploy) ends the escalation.
 */
import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../../lib/ports/cluster-client.js';
import { handleHealthSignal } from '../../../../lib/usecases/health/handle-health-signal.js';
import { runHealthProbe } from '../../../../lib/usecases/health/run-health-probe.js';
import { FakeHealthWorld, node, pod, serviceRecord } from './health-fakes.js';

const crashing = { ready: false, restarts: 4, waitingReason: 'CrashLoopBackOff' };
const restarting = { ready: false, restarts: 5 };

async function probeAndDecide(world: FakeHealthWorld, probes: number, podsAt: (i: number) => PodInfo[]): Promise<void> {
  const deps = world.deps();
  for (let i = 0; i < probes; i++) {
    world.cluster.get('prod')!.pods = podsAt(i);
    await runHealthProbe(deps);
    for (const event of world.sent.splice(0)) await handleHealthSignal(deps, event);
    world.clock.advance(6_000);
  }
}

describe('a persistent stable crash loop', () => {
  it('is restarted once, escalated once, and then left quiet until the service changes', async () => {
    const world = new FakeHealthWorld();
    world.addCluster('prod', { nodes: [node('node-a-1'), node('node-b-1')] });
    world.addService(serviceRecord('web', { replicas: 2 }));
    // The condition flickers: CrashLoopBackOff at most probes, restarting (no back-off yet) at every third.
    const podsAt = (i: number) => [
      pod('web', 'web-1', { node: 'node-a-1', ...(i % 3 === 2 ? restarting : crashing) }),
      pod('web', 'web-2', { node: 'node-b-1', ...crashing }),
    ];
    await probeAndDecide(world, 600, podsAt); // an hour of probes: past the escalation window, when restart would be allowed again

    const trail = world.events.map((e) => e.type);
    expect(world.eventsOfType('RemediationApplied')).toHaveLength(1);
    const escalations = world.eventsOfType('RemediationEscalated');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].message).toContain('meshplane tried restart');
    expect(escalations[0].message).toContain('A person should');
    expect(escalations[0].message).toContain('meshplane deploy web');
    const afterEscalation = trail.slice(trail.indexOf('RemediationEscalated') + 1);
    expect(afterEscalation).toEqual([]);
    expect(world.events.length).toBeLessThan(12);

    // Somebody deploys: the service changes, so the next alarms are a new episode that may act again.
    const web = world.services.get('web')!;
    world.services.set('web', { ...web, version: web.version + 1, revision: web.revision + 1 });
    const before = world.events.length;
    await probeAndDecide(world, 5, podsAt);
    expect(world.events.length).toBeGreaterThan(before);
  });
});
