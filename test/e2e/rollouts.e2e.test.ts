/**
 * Issue 4, "Progressive rollouts", end to end on the local runtime: the deploy queue, the rollout state
 * machine in aws-local-stepfunctions, the task handlers, Prometheus-style metrics from the simulated
 * cluster's traffic model, and the cluster itself. Each scenario runs on its own service (and images)
 * of one runtime, concurrently; time is compressed 50× (a 30 s analysis interval takes 0.6 s).
 *
 * Assertions look at end states only: the deployment record (steps, verdicts, metrics, reasons), the
 * audit trail, the service's revisions, and the VirtualService, Deployments and pods in the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATIONS, workloadName } from '../../lib/mesh/labels.js';
import type { AuditEvent, DeploymentRecord } from '../../lib/model/records.js';
import type { RolloutStep, ServiceSpecInput } from '../../lib/model/service-spec.js';
import type { ExecutionDescription } from '../../lib/local/local-rollout-runner.js';
import { waitFor } from '../support/wait-for.js';
import { runCli } from './support/cli.js';
import { DeployQueue } from './support/deploy-queue.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

type StepInput = Partial<RolloutStep> & { weight: number };

/** Three short steps: each is judged by one 30 s analysis interval. */
const QUICK_STEPS: StepInput[] = [
  { weight: 20, pauseSeconds: 30 },
  { weight: 50, pauseSeconds: 30 },
  { weight: 100, pauseSeconds: 30 },
];

const image = (service: string, version: string) => `registry.example.com/e2e/${service}:${version}`;

function serviceSpec(name: string, steps: StepInput[] = QUICK_STEPS): ServiceSpecInput {
  return { name, image: image(name, '1.0.0'), port: 8080, replicas: 3, rollout: { steps } };
}

let rt: E2eRuntime;

beforeAll(async () => {
  rt = await startE2eRuntime();
});

afterAll(async () => {
  await rt?.stop();
});

/** Registers a service with 3 replicas and waits for them to be Ready. */
async function registerRunning(name: string, steps?: StepInput[]): Promise<void> {
  await rt.api.register(serviceSpec(name, steps));
  await rt.api.waitForReadyReplicas(name, 3);
}

/**
 * The end state after a rollout is over, whichever way it ended: all traffic on stable, no canary
 * workload or pod left, and every stable pod Ready on `stableImage`.
 */
async function expectOnlyStable(service: string, stableImage: string, revision: number): Promise<void> {
  expect(await rt.cluster.routeWeights(service)).toEqual({ stable: 100, canary: 0 });
  expect(await rt.cluster.deployment(workloadName(service, 'canary'))).toBeUndefined();
  const stable = await rt.cluster.deployment(service);
  expect(stable?.spec?.template.spec?.containers[0].image).toBe(stableImage);
  expect(stable?.metadata?.annotations?.[ANNOTATIONS.revision]).toBe(String(revision));
  // Old pods leave a moment after their Deployment changed or went away.
  const pods = await waitFor(
    `only stable ${stableImage} pods of ${service}`,
    async () => {
      const all = await rt.cluster.servicePods(service);
      return all.length === 3 && all.every((p) => p.track === 'stable' && p.image === stableImage && p.ready) ? all : undefined;
    },
    { timeoutMs: 30_000 },
  );
  expect(pods).toHaveLength(3);
  const record = await rt.api.service(service);
  expect(record.revision).toBe(revision);
  expect(record.spec.image).toBe(stableImage);
  expect(record.traffic).toBeUndefined();
}

const ofType = (events: AuditEvent[], type: string) => events.filter((e) => e.type === type);

/** The execution of a deployment once the deploy queue has started it. */
function execution(deploymentId: string): Promise<ExecutionDescription> {
  return waitFor(`the execution of ${deploymentId}`, () => {
    try {
      return rt.runtime.rollouts.describe(deploymentId);
    } catch {
      return undefined;
    }
  });
}

// Scenarios touch only their own service and images, so they run side by side.
describe.concurrent('progressive rollouts (issue 4)', { timeout: 90_000 }, () => {
  it('promotes a healthy image step by step until it is the stable Deployment', async () => {
    const name = 'healthy-service';
    await registerRunning(name);
    const newImage = image(name, '2.0.0');

    const accepted = await rt.api.deploy(name, { image: newImage });
    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done).toMatchObject({ status: 'promoted', image: newImage, fromRevision: 1, toRevision: 2, currentWeight: 100 });
    expect(done.steps.map((s) => [s.index, s.weight, s.verdict])).toEqual([
      [0, 20, 'pass'],
      [1, 50, 'pass'],
      [2, 100, 'pass'],
    ]);
    for (const step of done.steps) {
      const metrics = step.metrics as { canary: { requests: number; errorRate: number }; stable: { requests: number }; analyses: number };
      // Each step was judged on real (simulated) traffic: enough canary requests, a healthy error rate.
      expect(metrics.canary.requests).toBeGreaterThanOrEqual(50);
      expect(metrics.canary.errorRate).toBeLessThan(0.01);
      expect(metrics.analyses).toBeGreaterThanOrEqual(1);
      expect(step.reasons?.join(' ')).toMatch(/within limits/);
      expect(Date.parse(step.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt));
    }
    // Steps follow each other in time, and the canary's share of traffic grows with the weight.
    for (let i = 1; i < done.steps.length; i++) expect(Date.parse(done.steps[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(done.steps[i - 1].finishedAt!));
    const shares = done.steps.map((s) => {
      const m = s.metrics as { canary: { requests: number }; stable: { requests: number } };
      return m.canary.requests / (m.canary.requests + m.stable.requests);
    });
    expect(shares[0]).toBeLessThan(shares[1]);

    await expectOnlyStable(name, newImage, 2);
    const events = await rt.api.events(name);
    expect(ofType(events, 'TrafficShifted').map((e) => e.data?.weight)).toEqual([20, 50, 100]);
    const order = events.map((e) => e.type).filter((t) => ['CanaryCreated', 'RevisionPromoted', 'CanaryRemoved', 'RolloutPromoted'].includes(t));
    expect(order).toEqual(['CanaryCreated', 'RevisionPromoted', 'CanaryRemoved', 'RolloutPromoted']);
    expect((await rt.api.revisions(name)).map((r) => [r.revision, r.spec.image])).toEqual([
      [1, image(name, '1.0.0')],
      [2, newImage],
    ]);
    expect((await rt.runtime.rollouts.waitFor(accepted.deploymentId)).status).toBe('SUCCEEDED');
  });

  it('rolls back a canary answering 20% errors at its first analysis', async () => {
    const name = 'erroring-service';
    await registerRunning(name);
    const badImage = image(name, '2.0.0-bad');
    rt.sim.faults.traffic({ image: badImage, errorRate: 0.2 });

    const accepted = await rt.api.deploy(name, { image: badImage });
    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done.status).toBe('rolledBack');
    expect(done.toRevision).toBeUndefined();
    expect(done.steps).toHaveLength(1);
    expect(done.steps[0]).toMatchObject({ index: 0, weight: 20, verdict: 'fail' });
    const metrics = done.steps[0].metrics as { canary: { errorRate: number; requests: number } };
    // Rolled back at the first step, by its error rate: traffic never went past 20%. (How many analyses
    // were inconclusive first depends on how fast the simulated clock runs under load, so it is not
    // counted; any analysis with enough requests would have failed, as every one sees ~20% errors.)
    expect(ofType(await rt.api.events(name), 'TrafficShifted').map((e) => e.data?.weight)).toEqual([20]);
    expect(metrics.canary.requests).toBeGreaterThanOrEqual(50);
    expect(metrics.canary.errorRate).toBeGreaterThan(0.15);
    expect(metrics.canary.errorRate).toBeLessThan(0.25);
    expect(done.reason).toMatch(/^analysis failed: error rate \d+(\.\d+)?% \(.*\) is above the limit of 1%/);

    await expectOnlyStable(name, image(name, '1.0.0'), 1);
    const events = await rt.api.events(name);
    expect(ofType(events, 'AnalysisFailed')).toHaveLength(1);
    expect(ofType(events, 'RolloutRolledBack')).toHaveLength(1);
    expect(ofType(events, 'RevisionPromoted')).toEqual([]);
    expect((await rt.runtime.rollouts.waitFor(accepted.deploymentId)).error).toBe('RolloutAnalysisFailed');
  });

  it('aborts a rollout mid-way on request: traffic back to stable, canary removed', async () => {
    const name = 'aborted-service';
    await registerRunning(name);
    const newImage = image(name, '2.0.0');

    // A long first step that may not pass early, so the rollout is certainly still at 20% when the abort arrives.
    const accepted = await rt.api.deploy(name, {
      image: newImage,
      rollout: {
        steps: [
          { weight: 20, pauseSeconds: 3_600 },
          { weight: 100, pauseSeconds: 30 },
        ],
        analysis: { minBakeSeconds: 3_600 },
      },
    });
    await rt.api.waitForDeployment(name, accepted.deploymentId, 'at 20%', (d) => d.currentWeight === 20);
    expect(await rt.cluster.routeWeights(name)).toEqual({ stable: 80, canary: 20 });
    expect((await rt.cluster.deployment(workloadName(name, 'canary')))?.spec?.template.spec?.containers[0].image).toBe(newImage);

    const steered = await rt.api.request('POST', `/v1/services/${name}/deployments/${accepted.deploymentId}/abort`);
    expect(steered.status).toBe(202);
    expect(steered.body.requested).toBe('abort');
    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done.status).toBe('aborted');
    expect(done.reason).toBe('aborted: aborted on request');
    await expectOnlyStable(name, image(name, '1.0.0'), 1);
    const again = await rt.api.request('POST', `/v1/services/${name}/deployments/${accepted.deploymentId}/abort`);
    expect(again.status).toBe(409);
    expect((await rt.runtime.rollouts.waitFor(accepted.deploymentId)).error).toBe('RolloutAborted');
  });

  it('waits at a manual gate (paused, still analysed) until promoted on request', async () => {
    const name = 'gated-service';
    await registerRunning(name);
    const newImage = image(name, '2.0.0');

    const accepted = await rt.api.deploy(name, {
      image: newImage,
      rollout: {
        steps: [
          { weight: 30, pauseSeconds: 30, gate: 'manual' },
          { weight: 100, pauseSeconds: 30 },
        ],
      },
    });
    const paused = await rt.api.waitForDeployment(name, accepted.deploymentId, 'paused at the gate', (d) => d.status === 'paused');
    expect(paused.currentWeight).toBe(30);
    expect(paused.steps[0].verdict).toBe('pass');

    // Left alone it stays paused at 30%, analysing every interval so it could still fail fast.
    const held = await rt.api.waitForDeployment(
      name,
      accepted.deploymentId,
      'three more analyses at the gate',
      (d) => Number((d.steps[0].metrics as { analyses: number }).analyses) >= 4,
    );
    expect(held).toMatchObject({ status: 'paused', currentWeight: 30 });
    expect(held.steps).toHaveLength(1);
    expect((held.steps[0].metrics as { phase: string }).phase).toBe('gate');
    expect(await rt.cluster.routeWeights(name)).toEqual({ stable: 70, canary: 30 });

    const steered = await rt.api.request('POST', `/v1/services/${name}/deployments/${accepted.deploymentId}/promote`);
    expect(steered.status).toBe(202);
    expect(steered.body.requested).toBe('promote');
    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done.status).toBe('promoted');
    expect(done.steps.map((s) => s.weight)).toEqual([30, 100]);
    await expectOnlyStable(name, newImage, 2);
    expect(ofType(await rt.api.events(name), 'PromoteRequested')).toHaveLength(1);
    expect((await rt.api.request('POST', `/v1/services/${name}/deployments/${accepted.deploymentId}/promote`)).status).toBe(409);
  });

  it('starts one rollout for a deploy event delivered several times', async () => {
    const name = 'duplicated-service';
    await registerRunning(name);
    const newImage = image(name, '2.0.0');
    const queue = new DeployQueue(rt.runtime);
    try {
      const accepted = await rt.api.deploy(name, { image: newImage });
      await rt.api.waitForDeployment(name, accepted.deploymentId, 'running', (d) => d.status === 'running');
      const envelope = DeployQueue.envelopeOf(name, accepted, newImage);

      // A producer retry (same deduplication id, dropped by SQS) and a redelivery with another id
      // (reaches the handler, which finds its operation done) while the rollout runs ...
      await queue.send(envelope, accepted.operationId);
      await queue.send(envelope, `${accepted.operationId}-redelivered`);
      await queue.drained();
      const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);
      // ... and once more after it ended.
      await queue.send(envelope, `${accepted.operationId}-late`);
      await queue.drained();

      expect(done.status).toBe('promoted');
      expect((await rt.api.deployments(name)).map((d) => d.id)).toEqual([accepted.deploymentId]);
      const events = await rt.api.events(name);
      for (const type of ['DeployRequested', 'RolloutStarted', 'CanaryCreated', 'RevisionPromoted', 'RolloutPromoted'])
        expect(ofType(events, type), type).toHaveLength(1);
      expect(ofType(events, 'TrafficShifted')).toHaveLength(QUICK_STEPS.length);
      expect((await rt.api.service(name)).revision).toBe(2);
      expect((await rt.runtime.rollouts.waitFor(accepted.deploymentId)).status).toBe('SUCCEEDED');
    } finally {
      queue.close();
    }
  });

  it('queues a second deploy behind the running one: both end, in order, and the second image is stable', async () => {
    const name = 'raced-service';
    await registerRunning(name);
    const second = image(name, '3.0.0');

    const a = await rt.api.deploy(name, { image: image(name, '2.0.0') });
    const b = await rt.api.deploy(name, { image: second });

    // While the first runs, the second waits its turn.
    const running = await rt.api.waitForDeployment(name, a.deploymentId, 'running', (d) => d.status === 'running' && d.currentWeight !== undefined);
    expect(running.status).toBe('running');
    expect((await rt.api.waitForDeployment(name, b.deploymentId, 'recorded', () => true)).status).toBe('pending');

    const first = await rt.api.waitForDeploymentEnd(name, a.deploymentId);
    const last = await rt.api.waitForDeploymentEnd(name, b.deploymentId);
    expect([first.status, last.status]).toEqual(['promoted', 'promoted']);
    expect([first.toRevision, last.toRevision]).toEqual([2, 3]);
    // The second started from what the first made stable, after the first had finished.
    expect(last.fromRevision).toBe(2);
    const events = await rt.api.events(name);
    const firstPromoted = ofType(events, 'RolloutPromoted').find((e) => e.data?.deploymentId === a.deploymentId)!;
    const secondStarted = ofType(events, 'RolloutStarted').find((e) => e.data?.deploymentId === b.deploymentId)!;
    expect(Date.parse(secondStarted.at)).toBeGreaterThanOrEqual(Date.parse(firstPromoted.at));
    expect(Date.parse(last.steps[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(firstPromoted.at));

    await expectOnlyStable(name, second, 3);
  });

  it('rolls back a canary whose pods crash-loop at the first analysis, saying so, without spending the retries', async () => {
    const name = 'crashing-service';
    await registerRunning(name);
    const crashing = image(name, '2.0.0-crash');
    rt.sim.faults.crashLoop(crashing);

    const accepted = await rt.api.deploy(name, { image: crashing });
    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done.status).toBe('rolledBack');
    expect(done.reason).toMatch(/^analysis failed: canary pods crash-looping: 1 of 1 pod, \d+ restarts? \(CrashLoopBackOff\)$/);
    // The canary never received traffic.
    expect(ofType(await rt.api.events(name), 'TrafficShifted')).toEqual([]);
    await expectOnlyStable(name, image(name, '1.0.0'), 1);
    const description = await rt.runtime.rollouts.waitFor(accepted.deploymentId);
    expect(description.error).toBe('RolloutAnalysisFailed');
  });

  it('rolls back to a named revision: its image comes back as a new revision', async () => {
    const name = 'history-service';
    const oneStep: StepInput[] = [{ weight: 100, pauseSeconds: 30 }];
    await registerRunning(name, oneStep);
    for (const version of ['2.0.0', '3.0.0']) {
      const { deploymentId } = await rt.api.deploy(name, { image: image(name, version) });
      expect((await rt.api.waitForDeploymentEnd(name, deploymentId)).status).toBe('promoted');
    }

    expect((await rt.api.request('POST', `/v1/services/${name}/rollback`, { toRevision: 3 })).status).toBe(400);
    expect((await rt.api.request('POST', `/v1/services/${name}/rollback`, { toRevision: 0 })).status).toBe(400);
    expect((await rt.api.request('POST', '/v1/services/no-such-service/rollback', { toRevision: 1 })).status).toBe(404);

    const accepted = await rt.api.expect(202, 'POST', `/v1/services/${name}/rollback`, { toRevision: 1 });
    expect(accepted.toRevision).toBe(1);
    const done: DeploymentRecord = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);

    expect(done).toMatchObject({ status: 'promoted', image: image(name, '1.0.0'), baseRevision: 1, fromRevision: 3, toRevision: 4 });
    // Still judged before it became stable: one step at 100%, analysed.
    expect(done.steps.map((s) => [s.weight, s.verdict])).toEqual([[100, 'pass']]);
    expect((await rt.api.revisions(name)).map((r) => [r.revision, r.spec.image])).toEqual([
      [1, image(name, '1.0.0')],
      [2, image(name, '2.0.0')],
      [3, image(name, '3.0.0')],
      [4, image(name, '1.0.0')],
    ]);
    await expectOnlyStable(name, image(name, '1.0.0'), 4);
  });

  it('meshplane deploy --watch exits 0 when the image is promoted and 2 when it is rolled back', async () => {
    const good = 'cli-good-service';
    const bad = 'cli-bad-service';
    // One step: this is about the CLI's exit codes, and each CLI run has a minute.
    const oneStep: StepInput[] = [{ weight: 100, pauseSeconds: 30 }];
    await Promise.all([registerRunning(good, oneStep), registerRunning(bad, oneStep)]);
    rt.sim.faults.traffic({ image: image(bad, '2.0.0'), errorRate: 0.2 });

    const deploy = (name: string) => runCli(['deploy', name, '--image', image(name, '2.0.0'), '--watch', '--api', rt.url]);
    const [promoted, rolledBack] = await Promise.all([deploy(good), deploy(bad)]);

    expect(promoted.exitCode, promoted.stderr).toBe(0);
    expect(promoted.stdout.trim().split('\n').at(-1)).toMatch(/promoted weight=100%/);
    expect(rolledBack.exitCode, rolledBack.stderr).toBe(2);
    expect(rolledBack.stdout.trim().split('\n').at(-1)).toMatch(/rolledBack .*\(analysis failed: error rate/);
    expect((await rt.api.service(good)).spec.image).toBe(image(good, '2.0.0'));
    expect((await rt.api.service(bad)).spec.image).toBe(image(bad, '1.0.0'));
  });
});

// Alone: the outage is lifted with `faults.clear()`, which would also lift the other scenarios' faults.
describe('progressive rollouts under Kubernetes API faults (issue 4)', { timeout: 90_000 }, () => {
  it('retries a step that fails transiently (Kubernetes API outage on the canary) and still promotes', async () => {
    const name = 'retried-service';
    await registerRunning(name);
    const newImage = image(name, '2.0.0');

    // Every request naming the canary Deployment fails until the state machine has retried a task.
    rt.sim.faults.api({ status: 503, rate: 1, paths: `/deployments/${workloadName(name, 'canary')}$` });
    let retried: ExecutionDescription;
    let accepted: { deploymentId: string };
    try {
      accepted = await rt.api.deploy(name, { image: newImage });
      await execution(accepted.deploymentId);
      // The first task, `start`, creates the canary Deployment: it fails (after the adapter's own
      // retries) and the state machine retries it.
      retried = await waitFor('a retry of the start task', () => {
        const d = rt.runtime.rollouts.describe(accepted.deploymentId);
        return d.history.some((h) => h.type === 'StateRetried' && h.state === 'Start') ? d : undefined;
      });
    } finally {
      rt.sim.faults.clear();
    }
    expect(retried.status).toBe('RUNNING');
    expect(ofType(await rt.api.events(name), 'TrafficShifted')).toEqual([]);

    const done = await rt.api.waitForDeploymentEnd(name, accepted.deploymentId);
    expect(done.status).toBe('promoted');
    expect(done.steps.map((s) => s.verdict)).toEqual(['pass', 'pass', 'pass']);
    await expectOnlyStable(name, newImage, 2);
  });
});
