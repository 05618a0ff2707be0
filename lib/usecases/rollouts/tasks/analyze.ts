import { analyzeStep } from '../../../rollout/analyze-step.js';
import type { AnalyzeRequest, AnalyzeResponse } from '../../../model/rollout-task-contract.js';
import { auditEvent, mutateDeployment } from '../../shared/mutate.js';
import { effectivePolicy } from '../effective-policy.js';
import type { DeploymentStore } from '../../../ports/deployment-store.js';
import type { ServiceStore } from '../../../ports/service-store.js';
import type { RolloutDeps } from '../../shared/rollout-deps.js';

/**
 * Judges one analysis interval of the new version against stable, and reports what the user asked for
 * (abort, or promote past a manual gate). Every analysis is recorded on its step.
 */
export async function analyze(deps: RolloutDeps<ServiceStore & DeploymentStore>, req: AnalyzeRequest): Promise<AnalyzeResponse> {
  const [deployment, service] = await Promise.all([deps.store.getDeployment(req.service, req.deploymentId), deps.store.getService(req.service)]);
  if (deployment?.requested === 'abort') return { verdict: 'inconclusive', reasons: ['aborted on request'], aborted: true, promoteRequested: false };
  // Deregistered (or otherwise no longer carrying this rollout): nothing left to judge.
  if (!service || service.phase === 'deleted' || service.traffic?.deploymentId !== req.deploymentId)
    return { verdict: 'inconclusive', reasons: ['the service no longer runs this rollout'], aborted: true, promoteRequested: false };
  const promoteRequested = deployment?.requested === 'promote';
  // A manual gate waits for a person, not forever (an execution's history is finite too).
  const step = deployment && req.phase === 'gate' ? effectivePolicy(deployment, service).steps[req.stepIndex] : undefined;
  if (step && !promoteRequested && req.observedSeconds > step.pauseSeconds + step.gateTimeoutSeconds)
    return { verdict: 'inconclusive', reasons: [`the manual gate was not promoted within ${step.gateTimeoutSeconds} s`], aborted: true, promoteRequested: false };

  // The new version always runs as the `<service>-canary` workload (blue/green previews too).
  const result = await analyzeStep(deps.metrics, { ...req, track: 'canary' });
  const at = deps.clock.now().toISOString();
  await mutateDeployment(deps, req.service, req.deploymentId, (d) => {
    const steps = [...d.steps];
    const step = steps[req.stepIndex] ?? { index: req.stepIndex, weight: req.weight, startedAt: at };
    const analyses = Number((step.metrics as { analyses?: number } | undefined)?.analyses ?? 0) + 1;
    steps[req.stepIndex] = {
      ...step,
      verdict: result.verdict,
      reasons: result.reasons,
      metrics: { analyses, phase: req.phase, canary: result.canary, stable: result.stable, at },
      ...(result.verdict !== 'inconclusive' ? { finishedAt: at } : {}),
    };
    const waitingAtGate = req.phase === 'gate' && result.verdict === 'pass' && !promoteRequested;
    return {
      record: {
        ...d,
        steps,
        status: waitingAtGate ? 'paused' : d.status === 'paused' ? 'running' : d.status,
        // A promote request releases one gate: consume it.
        // Only a promote request still in place is consumed: an abort that arrived meanwhile stays.
        requested: promoteRequested && req.phase === 'gate' && d.requested === 'promote' ? undefined : d.requested,
      },
      events:
        result.verdict === 'fail'
          ? [auditEvent(deps, req.service, 'AnalysisFailed', `step ${req.stepIndex + 1} at ${req.weight}% failed: ${result.reasons.join('; ')}`, { deploymentId: req.deploymentId, canary: result.canary, stable: result.stable })]
          : [],
    };
  });
  return { verdict: result.verdict, reasons: result.reasons, canary: result.canary, stable: result.stable, aborted: false, promoteRequested };
}
