import { analyzeStep } from '../../../rollout/analyze-step.js';
import { decideBeforeJudging, decideStep, type StepFacts } from '../../../rollout/decide-step.js';
import { countsBefore, nextTally } from '../../../rollout/phase-tally.js';
import { addInterval, weighEvidence } from '../../../rollout/weigh-evidence.js';
import type { AnalyzeRequest, AnalyzeResponse } from '../../../model/rollout-task-contract.js';
import type { DeploymentRecord, ServiceRecord } from '../../../model/records.js';
import { auditEvent, mutateDeployment } from '../../shared/mutate.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';

/**
 * Gathers the facts of one analysis (the deployment and service records, the metrics of the interval)
 * and returns what `decideStep` decides; every analysis is recorded on its step. The checks that need
 * no metrics (abort requested, service gone or superseded, gate timed out) are decided before reading
 * metrics, and recorded nowhere: the rollback records the cause.
 */
export async function analyze(deps: RolloutDeps<ServiceStore & DeploymentStore>, req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const [deployment, service] = await Promise.all([deps.store.getDeployment(req.service, req.deploymentId), deps.store.getService(req.service)]);
  const stepTally = (index: number) => deployment?.steps[index]?.metrics?.tally;
  const before = countsBefore(stepTally(req.stepIndex), req.phase, req.observedSeconds, stepTally(req.stepIndex - 1));
  const facts = stepFacts(req, deployment, service, before.inconclusive);
  const early = decideBeforeJudging(facts);
  if (early) return { decision: early.decision, verdict: early.verdict, reasons: early.reasons, promoteRequested: false };
  const promoteRequested = facts.requested === 'promote';

  // The new version always runs as the `<service>-canary` workload (blue/green previews too).
  const result = await analyzeStep(deps.metrics, { ...req, track: 'canary' });
  const evidence = addInterval(
    before.evidence,
    { ...result.canary, latency: result.histograms.canary },
    { ...result.stable, latency: result.histograms.stable },
    req.analysis,
  );
  const weight = req.analysis.method === 'sequential' ? weighEvidence(req.analysis, evidence) : undefined;
  const outcome = decideStep(facts, result, weight);
  const at = deps.clock.now().toISOString();
  const passed = outcome.decision === 'advance' || outcome.decision === 'promote';
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
              auditEvent(deps, req.service, 'AnalysisFailed', `step ${req.stepIndex + 1} at ${req.weight}% failed: ${outcome.reasons.join('; ')}`, {
                deploymentId: req.deploymentId,
                canary: result.canary,
                stable: result.stable,
              }),
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
