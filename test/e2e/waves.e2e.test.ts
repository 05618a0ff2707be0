/**
 * Issue 17, point 3 (waves), end to end on two simulated clusters (`local`, `local-2`): a deployment
 * of a service in both runs as waves (one cluster per wave), each wave the canary steps judged on its
 * own cluster's metrics, then a bake during which the released cluster keeps being analysed before the
 * next wave. Faults are injected in one cluster alone (each simulated cluster has its own traffic
 * model). Scenarios run side by side on their own services and images; time is compressed 50×.
 *
 * Assertions look at end states: the deployment record (waves, their steps and bake), the audit trail,
 * and the Deployments, VirtualServices and pods of each cluster read through its own kubeconfig.
 */
import { describe, expect, it } from 'vitest';
import { workloadName } from '../../lib/mesh/labels.js';
import type { AuditEvent, DeploymentRecord } from '../../lib/model/records.js';
import { waitFor } from '../support/wait-for.js';
import { runCli } from './support/cli.js';
import { ClusterView, ISTIO_KINDS } from './support/cluster-view.js';
import { useE2eRuntime } from './support/e2e-runtime.js';

const rt = useE2eRuntime({ simClusters: 2 });

const BAKE_SECONDS = 60;
/** Two waves of two steps and two bakes, on a machine shared with other work. */
const END_TIMEOUT_MS = 150_000;
const STEPS = [
  { weight: 25, pauseSeconds: 30 },
  { weight: 100, pauseSeconds: 30 },
];
const image = (service: string, version: string) => `registry.example.com/e2e/${service}:${version}`;

function views(): Record<string, ClusterView> {
  return Object.fromEntries(rt().runtime.simClusters.map((c) => [c.id, new ClusterView(c.kubeconfigPath)]));
}

async function registerInBoth(name: string): Promise<void> {
  await rt().api.register({
    name,
    image: image(name, '1.0.0'),
    port: 8080,
    replicas: 2,
    clusters: ['local', 'local-2'],
    rollout: { steps: STEPS, bakeSeconds: BAKE_SECONDS },
  });
  await rt().api.waitForReadyReplicas(name, 4);
}

/** Every cluster runs only stable pods of `stableImage`, all traffic on stable, no canary workload. */
async function expectOnlyStable(name: string, stableImage: string): Promise<void> {
  for (const [id, cluster] of Object.entries(views())) {
    expect(await cluster.routeWeights(name), id).toEqual({ stable: 100, canary: 0 });
    expect(await cluster.deployment(workloadName(name, 'canary')), id).toBeUndefined();
    expect((await cluster.deployment(name))?.spec?.template.spec?.containers[0].image, id).toBe(stableImage);
    await waitFor(`only stable ${stableImage} pods of ${name} in ${id}`, async () => {
      const pods = await cluster.servicePods(name);
      return pods.length === 2 && pods.every((p) => p.track === 'stable' && p.image === stableImage && p.ready) ? true : undefined;
    });
  }
}

const ofType = (events: AuditEvent[], type: string, deploymentId: string) => events.filter((e) => e.type === type && e.data?.deploymentId === deploymentId);
const wavesOf = (d: DeploymentRecord) => (d.waves ?? []).map((w) => [w.clusters, w.status]);

describe.concurrent('waves across clusters (issue 17)', { timeout: 240_000 }, () => {
  it('promotes a good image wave by wave, each wave baked before the next begins', async () => {
    const name = 'waves-good';
    await registerInBoth(name);
    const accepted = await rt().api.deploy(name, { image: image(name, '2.0.0') });
    const watch = runCli(['deploy', name, '--image', image(name, '2.0.0'), '--watch', '--api', rt().url], 2 * END_TIMEOUT_MS);
    const done = await rt()
      .api.waitForDeploymentEnd(name, accepted.deploymentId, END_TIMEOUT_MS)
      .catch(async (err) => {
        console.log(JSON.stringify((await rt().api.deployment(name, accepted.deploymentId)).waves));
        console.log(rt().logs.join('\n'));
        throw err;
      });

    expect(done).toMatchObject({ status: 'promoted', toRevision: 2 });
    expect(wavesOf(done)).toEqual([
      [['local'], 'released'],
      [['local-2'], 'released'],
    ]);
    const [first, second] = done.waves!;
    for (const wave of done.waves!) {
      expect(wave.steps?.map((s) => [s.weight, s.verdict])).toEqual([
        [25, 'pass'],
        [100, 'pass'],
      ]);
      // Each wave was judged on its own cluster's traffic.
      const clusters = (wave.steps![0].metrics as { clusters: Record<string, unknown> }).clusters;
      expect(Object.keys(clusters)).toEqual(wave.clusters);
      // The bake observed the released clusters for bakeSeconds, without a failure.
      expect(wave.bake).toMatchObject({ verdict: 'pass' });
      expect(wave.bake!.observedSeconds).toBeGreaterThanOrEqual(BAKE_SECONDS);
      expect(Date.parse(wave.releasedAt!)).toBeGreaterThan(Date.parse(wave.passedAt!));
    }
    // The bake of wave 1 was over before wave 2 began; after the last bake came the promotion.
    expect(Date.parse(second.startedAt!)).toBeGreaterThanOrEqual(Date.parse(first.releasedAt!));
    expect(Object.keys((second.bake!.metrics as { clusters: Record<string, unknown> }).clusters).sort()).toEqual(['local', 'local-2']);

    const events = await rt().api.events(name);
    expect(ofType(events, 'WaveStarted', done.id).map((e) => e.data?.clusters)).toEqual([['local'], ['local-2']]);
    expect(ofType(events, 'WaveReleased', done.id)).toHaveLength(2);
    const promoted = events.find((e) => e.type === 'RevisionPromoted' && e.data?.deploymentId === done.id)!;
    expect(Date.parse(promoted.at)).toBeGreaterThanOrEqual(Date.parse(second.releasedAt!));
    // `deploy --watch` (a second deployment of the same image, queued behind the first) prints every wave and gate.
    // Only once it has ended too is the cluster free of canaries: its wave 1 starts one in local as soon as the first ends.
    const watched = await watch;
    await expectOnlyStable(name, image(name, '2.0.0'));
    expect(watched.stdout + watched.stderr).toMatch(/wave 1 of 2 \(local\)/);
    expect(watched.stdout + watched.stderr).toMatch(/wave 2 of 2 \(local-2\)/);
    expect(watched.stdout + watched.stderr).toMatch(/bak/);
  });

  it('rolls cluster 1 back too when the image fails only in cluster 2', async () => {
    const name = 'waves-bad-in-2';
    await registerInBoth(name);
    const bad = image(name, '2.0.0');
    rt().runtime.simClusters[1].sim.faults.traffic({ image: bad, errorRate: 0.3 });
    const accepted = await rt().api.deploy(name, { image: bad });
    const done = await rt().api.waitForDeploymentEnd(name, accepted.deploymentId, END_TIMEOUT_MS);

    expect(done.status).toBe('rolledBack');
    expect(done.reason).toMatch(/error rate/);
    expect(wavesOf(done)).toEqual([
      [['local'], 'rolledBack'],
      [['local-2'], 'rolledBack'],
    ]);
    // Wave 1 had passed its steps in local: the failure came in wave 2.
    expect(done.waves![0].steps?.map((s) => s.verdict)).toEqual(['pass', 'pass']);
    const events = await rt().api.events(name);
    const failed = ofType(events, 'AnalysisFailed', done.id);
    expect(failed[0].message).toMatch(/wave 2 of 2 \(local-2\)/);
    const rolledBack = ofType(events, 'RolloutRolledBack', done.id)[0];
    expect([...(rolledBack.data?.clusters as string[])].sort()).toEqual(['local', 'local-2']);
    await expectOnlyStable(name, image(name, '1.0.0'));
    expect((await rt().api.service(name)).revision).toBe(1);
  });

  it('leaves cluster 2 untouched when wave 1 fails', async () => {
    const name = 'waves-bad-in-1';
    await registerInBoth(name);
    const cluster2 = views()['local-2'];
    const before = {
      deployment: (await cluster2.deployment(name))?.metadata?.resourceVersion,
      route: (await cluster2.istio(ISTIO_KINDS.VirtualService, name))?.metadata,
    };
    const bad = image(name, '2.0.0');
    rt().runtime.simClusters[0].sim.faults.traffic({ image: bad, errorRate: 0.3 });
    const accepted = await rt().api.deploy(name, { image: bad });
    const done = await rt().api.waitForDeploymentEnd(name, accepted.deploymentId, END_TIMEOUT_MS);

    expect(done.status).toBe('rolledBack');
    expect(wavesOf(done)).toEqual([
      [['local'], 'rolledBack'],
      [['local-2'], 'pending'],
    ]);
    const events = await rt().api.events(name);
    const rolledBack = ofType(events, 'RolloutRolledBack', done.id)[0];
    expect(rolledBack.data).toMatchObject({ clusters: ['local'], untouched: ['local-2'] });
    expect(events.filter((e) => e.data?.deploymentId === done.id && JSON.stringify(e.data?.clusters ?? []).includes('local-2'))).toEqual([]);
    // Nothing of the rollout was ever written to local-2: its objects are as they were.
    expect((await cluster2.deployment(name))?.metadata?.resourceVersion).toBe(before.deployment);
    expect(((await cluster2.istio(ISTIO_KINDS.VirtualService, name))?.metadata as { resourceVersion?: string }).resourceVersion).toBe(
      (before.route as { resourceVersion?: string } | undefined)?.resourceVersion,
    );
    await expectOnlyStable(name, image(name, '1.0.0'));
  });
});
