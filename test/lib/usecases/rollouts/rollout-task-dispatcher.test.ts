import { describe, expect, it } from 'vitest';
import { KubeApiUnavailableError } from '../../../../lib/adapters/kubernetes/index.js';
import { TerminalError, TransientError, VersionConflictError } from '../../../../lib/errors.js';
import { RETRYABLE_TASK_ERRORS } from '../../../../lib/rollout/state-machine.js';
import { asStateMachineError } from '../../../../lib/usecases/rollouts/rollout-task-dispatcher.js';

class ConflictSubclass extends VersionConflictError {}

describe('asStateMachineError', () => {
  it('renames retryable subclasses to a name the state machine retries, keeping the original as cause', () => {
    const original = new ConflictSubclass('lost a race');
    const mapped = asStateMachineError(original) as Error;
    expect(mapped.name).toBe('VersionConflictError');
    expect(RETRYABLE_TASK_ERRORS).toContain(mapped.name);
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toBe('lost a race');
  });

  it('maps the Kubernetes adapter’s unavailable error (a TransientError subclass) to TransientError', () => {
    const original = Object.create(KubeApiUnavailableError.prototype, { name: { value: 'KubeApiUnavailableError' }, message: { value: 'API down' } });
    const mapped = asStateMachineError(original) as Error;
    expect(mapped).toBeInstanceOf(TransientError);
    expect(mapped.name).toBe('TransientError');
  });

  it.each([new TransientError('x'), new VersionConflictError('y'), new TerminalError('z'), new Error('plain')])('leaves %s as it is', (err) => {
    expect(asStateMachineError(err)).toBe(err);
  });
});
