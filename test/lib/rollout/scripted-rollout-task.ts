import type { AnalyzeRequest, RolloutTaskRequest, Verdict } from '../../../lib/model/rollout-task-contract.js';
import type { StepJudgement } from '../../../lib/rollout/analysis.js';
import { decideStep } from '../../../lib/rollout/decide-step.js';

/**
 * A test double of the rollout task Lambda, for testing the state machine and its local runner: it
 * records every request, judges `analyze` with canned verdicts (the last one repeats) or a given judge,
 * and answers with the real `decideStep` decision for that judgement and the user signals it is given
 * (keeping the inconclusive counts in memory, where the real task keeps them on the deployment record).
 * It throws the errors it is told to per action.
 */
export class ScriptedRolloutTask {
  readonly calls: RolloutTaskRequest[] = [];
  /** What a user asked for; `analyze` reports it. */
  readonly signals = { aborted: false, promoteRequested: false };
  private readonly verdicts: Verdict[];
  private judge?: (request: AnalyzeRequest) => StepJudgement;
  private readonly inconclusive = new Map<string, number>();
  private readonly errors = new Map<string, (() => Error)[]>();
  private readonly persistentErrors = new Map<string, () => Error>();
  private readonly waiters: { predicate: (calls: RolloutTaskRequest[]) => boolean; resolve: () => void }[] = [];

  constructor(verdicts: Verdict[] = ['pass']) {
    this.verdicts = verdicts;
  }

  /** Judges every analysis with `judge` instead of the canned verdicts. */
  judgeWith(judge: (request: AnalyzeRequest) => StepJudgement): this {
    this.judge = judge;
    return this;
  }

  /** Throws these errors on the next calls of `action`, one per call. */
  failNext(action: RolloutTaskRequest['action'], ...errors: (() => Error)[]): this {
    this.errors.set(action, [...(this.errors.get(action) ?? []), ...errors]);
    return this;
  }

  /** Throws this error on every call of `action`. */
  failAlways(action: RolloutTaskRequest['action'], error: () => Error): this {
    this.persistentErrors.set(action, error);
    return this;
  }

  /** Resolves once the recorded calls satisfy `predicate`. */
  until(predicate: (calls: RolloutTaskRequest[]) => boolean): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }

  callsOf<A extends RolloutTaskRequest['action']>(action: A): Extract<RolloutTaskRequest, { action: A }>[] {
    return this.calls.filter((c): c is Extract<RolloutTaskRequest, { action: A }> => c.action === action);
  }

  readonly handle = async (request: RolloutTaskRequest): Promise<unknown> => {
    this.calls.push(request);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(this.calls)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const next = this.errors.get(request.action)?.shift() ?? this.persistentErrors.get(request.action);
    if (next) throw next();
    switch (request.action) {
      case 'start':
        return { workload: `${request.service}-${request.strategy === 'canary' ? 'canary' : 'preview'}` };
      case 'setWeight':
        return { weight: request.weight, then: 'observe' };
      case 'analyze': {
        const index = this.callsOf('analyze').length - 1;
        const verdict = this.verdicts[Math.min(index, this.verdicts.length - 1)];
        return this.decide(request, this.judge?.(request) ?? { verdict, reasons: [`scripted ${verdict} #${index + 1}`] });
      }
      case 'promote':
        return { revision: 2 };
      case 'rollback':
        return { rolledBack: true };
      case 'finish':
        return { status: 'promoted' };
    }
  };

  private decide(request: AnalyzeRequest, judgement: StepJudgement) {
    const key = `${request.stepIndex}/${request.phase === 'gate' ? 'step' : request.phase}`;
    const requested = this.signals.aborted ? 'abort' : this.signals.promoteRequested ? 'promote' : undefined;
    const outcome = decideStep(
      { ...request, maxInconclusive: request.analysis.maxInconclusive, inconclusiveSoFar: this.inconclusive.get(key) ?? 0, requested, runsThisRollout: true },
      judgement,
    );
    this.inconclusive.set(key, outcome.inconclusive);
    return { decision: outcome.decision, verdict: outcome.verdict, reasons: outcome.reasons, promoteRequested: this.signals.promoteRequested };
  }
}
