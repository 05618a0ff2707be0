import type { RolloutTaskRequest, Verdict } from '../../../lib/model/rollout-task-contract.js';

/**
 * A test double of the rollout task Lambda, for testing the state machine and its local runner: it
 * records every request, answers `analyze` with canned verdicts (the last one repeats), reports the
 * user signals it is given, and throws the errors it is told to per action.
 */
export class ScriptedRolloutTask {
  readonly calls: RolloutTaskRequest[] = [];
  /** What a user asked for; `analyze` reports it. */
  readonly signals = { aborted: false, promoteRequested: false };
  private readonly verdicts: Verdict[];
  private readonly errors = new Map<string, (() => Error)[]>();
  private readonly persistentErrors = new Map<string, () => Error>();
  private readonly waiters: { predicate: (calls: RolloutTaskRequest[]) => boolean; resolve: () => void }[] = [];

  constructor(verdicts: Verdict[] = ['pass']) {
    this.verdicts = verdicts;
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
        return { weight: request.weight };
      case 'analyze': {
        const index = this.callsOf('analyze').length - 1;
        const verdict = this.verdicts[Math.min(index, this.verdicts.length - 1)];
        return { verdict, reasons: [`scripted ${verdict} #${index + 1}`], ...this.signals };
      }
      case 'promote':
        return { revision: 2 };
      case 'rollback':
        return { rolledBack: true };
      case 'finish':
        return { status: 'promoted' };
    }
  };
}
