import { decideBeforeJudging, decideStep, type StepFacts } from '../../../rollout/decide-step.js';
import { countsBefore, nextTally } from '../../../rollout/phase-tally.js';
import { addInterval, weighEvidence } from '../../../rollout/weigh-evidence.js';
import type { AnalyzeRequest, AnalyzeResponse } from '../../../model/rollout-task-contract.js';
import type { DeploymentRecord, ServiceRecord } from '../../../model/records.js';
import { auditEvent, mutateDeployment } from '../../shared/mutate.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';
import type { ClusterStore } from '../../../ports/cluster-store.js';
import { analyzeStep, type StepAnalysis } from '../../../rollout/analyze-step.js';
import { combineClusterAnalyses, decideBake, decideBakeBeforeJudging, inWaves, type CombinedAnalysis } from '../../../rollout/decide-wave.js';
import { isMultiCluster } from '../../../model/service-clusters.js';
import { resolveClusters } from '../../shared/resolve-cluster.js';
import { waveLabel } from './waves.js';

/**
 * Gathers the facts of one analysis (the deployment and service records, the metrics of the interval)
 * and returns what `decideStep` decides; every analysis is recorded on its step. The checks that need
 * no metrics (abort requested, service gone or superseded, gate timed out) are decided before reading
 * metrics, and recorded nowhere: the rollback records the cause.
 */
export async function analyze(deps: RolloutDeps<ServiceStore & DeploymentStore & ClusterStore>, req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const [deployment, service] = await Promise.all([deps.store.getDeployment(req.service, req.deploymentId), deps.store.getService(req.service)]);
  if (req.phase === 'bake') return analyzeBake(deps, req, deployment, service);
  const stepTally = (index: number) => deployment?.steps[index]?.metrics?.tally;
  const before = countsBefore(stepTally(req.stepIndex), req.phase, req.observedSeconds, stepTally(req.stepIndex - 1));
  const facts = stepFacts(req, deployment, service, before.inconclusive);
  const early = decideBeforeJudging(facts);
  if (early) return { decision: early.decision, verdict: early.verdict, reasons: early.reasons, promoteRequested: false };
  const promoteRequested = facts.requested === 'promote';

  // The new version always runs as the `<service>-canary` workload (blue/green previews too). A service
  // in several clusters is judged in every cluster of the wave under way, each on its own metrics.
  const multi = service !== undefined && isMultiCluster(service.spec);
  const result: StepAnalysis & Partial<Pick<CombinedAnalysis, 'clusters'>> = multi
    ? await analyzeClusters(deps, req, service, service.traffic?.wave)
    : await analyzeStep(deps.metrics, { ...req, track: 'canary' });
  const evidence = addInterval(
    before.evidence,
    { ...result.canary, latency: result.histograms?.canary },
    { ...result.stable, latency: result.histograms?.stable },
    req.analysis,
  );
  const weight = req.analysis.method === 'sequential' ? weighEvidence(req.analysis, evidence) : undefined;
  // In a rollout in waves, the last step passes the wave; the wave loop promotes after the last wave.
  const outcome = inWaves(decideStep(facts, result, weight), Boolean(deployment?.waves?.length));
  const at = deps.clock.now().toISOString();
  const passed = outcome.decision === 'advance' || outcome.decision === 'promote' || outcome.decision === 'passWave';
  const ended = passed || outcome.decision === 'rollback';
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    const steps = [...d.steps];
    const step = steps[req.stepIndex] ?? { index: req.stepIndex, weight: req.weight, startedAt: at };
    const analyses = Number((step.metrics as { analyses?: number } | undefined)?.analyses ?? 0) + 1;
    const tally = nextTally(req.phase, req.observedSeconds, before, { inconclusive: outcome.inconclusive, evidence });
    steps[req.stepIndex] = {
      ...step,
      verdict: outcome.verdict,
      reasons: outcome.reasons,
      metrics: {
        analyses,
        phase: req.phase,
        decision: outcome.decision,
        canary: result.canary,
        stable: result.stable,
        ...(result.clusters ? { clusters: result.clusters } : {}),
        ...(weight ? { sequential: { outcome: weight.outcome, ...weight.statistic, evidence: { canary: evidence.canary, stable: evidence.stable } } } : {}),
        tally,
        at,
      },
      ...(ended ? { finishedAt: at } : {}),
    };
    // A promote request releases one manual gate: consume it once it did (an abort that arrived meanwhile stays).
    const released = promoteRequested && req.gate === 'manual' && passed && d.requested === 'promote';
    return {
      record: {
        ...d,
        steps,
        status: outcome.decision === 'hold' ? 'paused' : d.status === 'paused' ? 'running' : d.status,
        requested: released ? undefined : d.requested,
      },
      events:
        outcome.decision === 'rollback'
          ? [
              auditEvent(
                deps,
                req.service,
                'AnalysisFailed',
                `${d.waves?.length ? `${waveLabel(d, d.currentWave ?? 0)}: ` : ''}step ${req.stepIndex + 1} at ${req.weight}% failed: ${outcome.reasons.join('; ')}`,
                {
                  deploymentId: req.deploymentId,
                  canary: result.canary,
                  stable: result.stable,
                  ...(d.waves?.length ? { wave: d.currentWave ?? 0 } : {}),
                },
              ),
            ]
          : [],
    };
  });
  return { decision: outcome.decision, verdict: outcome.verdict, reasons: outcome.reasons, canary: result.canary, stable: result.stable, promoteRequested };
}

/** The facts of the analysis apart from the metrics. */
function stepFacts(req: AnalyzeRequest, deployment: DeploymentRecord | undefined, service: ServiceRecord | undefined, inconclusiveSoFar: number): StepFacts {
  return {
    phase: req.phase,
    stepIndex: req.stepIndex,
    stepCount: req.stepCount,
    observedSeconds: req.observedSeconds,
    minObservedSeconds: req.minObservedSeconds,
    gate: req.gate,
    gateTimeoutSeconds: req.gateTimeoutSeconds,
    maxInconclusive: req.analysis.maxInconclusive,
    minBakeSeconds: req.analysis.minBakeSeconds,
    inconclusiveSoFar,
    requested: deployment?.requested,
    rejection: deployment?.rejection,
    // Deregistered, or no longer carrying this rollout (another deployment took its traffic).
    runsThisRollout: service !== undefined && service.phase !== 'deleted' && service.traffic?.deploymentId === req.deploymentId,
  };
}

/**
 * Reads and judges the interval in each of `clusterIds` (every cluster of the service when absent), each
 * through its own metrics, and adds the judgements up (`combineClusterAnalyses`).
 */
async function analyzeClusters(
  deps: RolloutDeps<ClusterStore>,
  req: AnalyzeRequest,
  service: ServiceRecord,
  clusterIds: readonly string[] | undefined,
): Promise<CombinedAnalysis> {
  const clusters = (await resolveClusters(deps.store, service.spec)).filter((c) => !clusterIds || clusterIds.includes(c.id));
  if (!clusters.length) return combineClusterAnalyses([{ cluster: 'default', analysis: await analyzeStep(deps.metrics, { ...req, track: 'canary' }) }]);
  const items = await Promise.all(
    clusters.map(async (c) => ({ cluster: c.id, analysis: await analyzeStep(deps.metricsFor?.(c) ?? deps.metrics, { ...req, track: 'canary' }) })),
  );
  return combineClusterAnalyses(items);
}

/**
 * An analysis of the bake after a wave: every cluster released so far, on the hard limits
 * (`decideBake`), recorded on the wave (`bake`); when the bake is over the wave is `released`.
 */
async function analyzeBake(
  deps: RolloutDeps<ServiceStore & DeploymentStore & ClusterStore>,
  req: AnalyzeRequest,
  deployment: DeploymentRecord | undefined,
  service: ServiceRecord | undefined,
): Promise<AnalyzeResponse> {
  const facts = {
    observedSeconds: req.observedSeconds,
    minObservedSeconds: req.minObservedSeconds,
    requested: deployment?.requested,
    rejection: deployment?.rejection,
    runsThisRollout: service !== undefined && service.phase !== 'deleted' && service.traffic?.deploymentId === req.deploymentId,
    lastWave: (deployment?.currentWave ?? 0) + 1 >= (deployment?.waves?.length ?? 1),
  };
  const early = decideBakeBeforeJudging(facts);
  if (early || !service) return { decision: early?.decision ?? 'abort', verdict: 'inconclusive', reasons: early?.reasons ?? [], promoteRequested: false };
  const released = service.traffic?.released ? Object.keys(service.traffic.released) : undefined;
  const result =
    isMultiCluster(service.spec) || released
      ? await analyzeClusters(deps, req, service, released)
      : { ...(await analyzeStep(deps.metrics, { ...req, track: 'canary' })), clusters: undefined };
  const outcome = decideBake(facts, result);
  const at = deps.clock.now().toISOString();
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    const index = d.currentWave ?? 0;
    const wave = d.waves?.[index];
    if (!wave) return undefined;
    const waves = [...d.waves!];
    const done = outcome.decision === 'advance' || outcome.decision === 'promote';
    waves[index] = {
      ...wave,
      ...(done ? { status: 'released' as const, releasedAt: at } : {}),
      bake: {
        analyses: (wave.bake?.analyses ?? 0) + 1,
        observedSeconds: req.observedSeconds,
        verdict: outcome.verdict,
        reasons: outcome.reasons,
        metrics: { canary: result.canary, ...(result.clusters ? { clusters: result.clusters } : {}), decision: outcome.decision, at },
      },
    };
    const label = waveLabel(d, index);
    const events =
      outcome.decision === 'rollback'
        ? [
            auditEvent(deps, req.service, 'AnalysisFailed', `the bake after ${label} failed: ${outcome.reasons.join('; ')}`, {
              deploymentId: d.id,
              wave: index,
            }),
          ]
        : done
          ? [
              auditEvent(deps, req.service, 'WaveReleased', `${label} baked for ${req.observedSeconds} s and is released`, {
                deploymentId: d.id,
                wave: index,
                clusters: released ?? wave.clusters,
              }),
            ]
          : [];
    return { record: { ...d, waves }, events };
  });
  return {
    decision: outcome.decision,
    verdict: outcome.verdict,
    reasons: outcome.reasons,
    canary: result.canary,
    stable: result.stable,
    promoteRequested: false,
  };
}
