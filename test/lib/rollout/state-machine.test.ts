import { createRequire } from 'node:module';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  RETRYABLE_TASK_ERRORS,
  STATES,
  rolloutStateMachineDefinition,
  substituteDefinition,
  type AslDefinition,
  type AslState,
} from '../../../lib/rollout/state-machine.js';
import { RolloutExecutionInput } from '../../../lib/model/rollout-task-contract.js';

type AslValidator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string };
// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

const TASK_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:meshplane-rollout-task';

function deployed(): AslDefinition {
  return substituteDefinition(rolloutStateMachineDefinition(), { RolloutTaskFunctionArn: TASK_ARN });
}

function statesOfType(def: AslDefinition, type: AslState['Type']): [string, AslState][] {
  return Object.entries(def.States).filter(([, s]) => s.Type === type);
}

/** States reachable from StartAt when the strategy Choice takes only `strategyTarget`. */
function reachable(def: AslDefinition, strategyTarget: string): Set<string> {
  const seen = new Set<string>();
  const queue = [def.StartAt];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = def.States[name];
    const targets: string[] = [];
    if (name === STATES.chooseStrategy) targets.push(strategyTarget);
    else {
      if (typeof state.Next === 'string') targets.push(state.Next);
      if (typeof state.Default === 'string') targets.push(state.Default);
      for (const c of (state.Choices as { Next: string }[] | undefined) ?? []) targets.push(c.Next);
      for (const c of (state.Catch as { Next: string }[] | undefined) ?? []) targets.push(c.Next);
    }
    queue.push(...targets);
  }
  return seen;
}

describe('rollout state machine definition', () => {
  it.each([
    ['with the ${RolloutTaskFunctionArn} placeholder', rolloutStateMachineDefinition()],
    ['after substitution', deployed()],
  ])('passes asl-validator (paths and ARNs checked) %s', (_, def) => {
    const result = aslValidator(structuredClone(def), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it.each([
    ['canary', STATES.canaryInit, ['Canary step: analyze', 'Canary gate: analyze', STATES.setWeight], ['BlueGreen preview: analyze']],
    ['blueGreen', STATES.blueGreenInit, ['BlueGreen preview: analyze', STATES.switchTraffic, 'BlueGreen switched: analyze'], ['Canary step: analyze']],
  ])('the %s path is valid on its own and reaches promotion and rollback', (_, target, mustReach, mustNotReach) => {
    const def = deployed();
    const names = reachable(def, target);
    for (const name of [...mustReach, STATES.promote, STATES.finish, STATES.succeeded, STATES.rollback, STATES.rollbackFailed]) {
      expect(names, name).toContain(name);
    }
    for (const name of mustNotReach) expect(names).not.toContain(name);
    const pruned: AslDefinition = { ...def, States: Object.fromEntries(Object.entries(def.States).filter(([n]) => names.has(n))) };
    // Unreachable states are an error for the validator, so this checks each strategy's subgraph is complete.
    const strategyOnly: AslDefinition = {
      ...pruned,
      States: { ...pruned.States, [STATES.chooseStrategy]: { Type: 'Pass', Next: target } },
    };
    expect(aslValidator(structuredClone(strategyOnly)).errorsText('\n')).toBe('');
  });

  it("decides nothing itself: every Choice dispatches on the analysis decision, the strategy or setWeight's `then`, with no thresholds or counts", () => {
    const choices = statesOfType(deployed(), 'Choice');
    expect(choices.length).toBeGreaterThanOrEqual(5);
    const variables = new Set<string>();
    for (const [name, state] of choices) {
      for (const rule of state.Choices as Record<string, unknown>[]) {
        expect(Object.keys(rule).sort(), name).toEqual(['Next', 'StringEquals', 'Variable']);
        variables.add(rule.Variable as string);
      }
    }
    expect([...variables].sort()).toEqual(['$.last.payload.decision', '$.last.payload.then', '$.rollback.cause', '$.strategy']);
  });

  it('is accepted by aws-local-stepfunctions with path and ARN checks on', () => {
    expect(() => new StateMachine(structuredClone(deployed()) as unknown as StateMachineDefinition)).not.toThrow();
  });

  it('substitutes every placeholder and refuses to leave one unsubstituted', () => {
    const json = JSON.stringify(deployed());
    expect(json).not.toMatch(/\$\{/);
    const taskStates = statesOfType(deployed(), 'Task');
    expect(taskStates.length).toBeGreaterThan(5);
    for (const [, state] of taskStates) expect((state.Parameters as { FunctionName: string }).FunctionName).toBe(TASK_ARN);
    expect(() => substituteDefinition(rolloutStateMachineDefinition(), {} as never)).toThrow(/\$\{RolloutTaskFunctionArn\}/);
  });

  it('every task invokes the one Lambda, keeps only its payload, retries transient errors with backoff and is caught', () => {
    for (const [name, state] of statesOfType(deployed(), 'Task')) {
      expect(state.Resource, name).toBe('arn:aws:states:::lambda:invoke');
      expect(state.ResultSelector, name).toEqual({ 'payload.$': '$.Payload' });
      const [retrier] = state.Retry as { ErrorEquals: string[]; BackoffRate: number; MaxAttempts: number }[];
      expect(retrier.ErrorEquals, name).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'TransientError']));
      expect(retrier.ErrorEquals).toEqual([...RETRYABLE_TASK_ERRORS]);
      expect(retrier.BackoffRate).toBeGreaterThan(1);
      const [catcher] = state.Catch as { ErrorEquals: string[]; Next: string }[];
      expect(catcher.ErrorEquals).toEqual(['States.ALL']);
      expect(catcher.Next, name).toBe(name === STATES.rollback ? STATES.rollbackFailed : STATES.taskFailed);
    }
    const rollback = deployed().States[STATES.rollback];
    expect((rollback.Retry as { MaxAttempts: number }[])[0].MaxAttempts).toBeGreaterThan(
      (deployed().States[STATES.setWeight].Retry as { MaxAttempts: number }[])[0].MaxAttempts,
    );
  });

  it('every Wait reads SecondsPath from an input field that no state rewrites (so a local time factor applies)', () => {
    const def = deployed();
    const inputFields = Object.keys(RolloutExecutionInput.shape);
    const waits = statesOfType(def, 'Wait');
    expect(waits.length).toBeGreaterThanOrEqual(4);
    const read = new Set<string>();
    for (const [name, state] of waits) {
      expect(state.Seconds, name).toBeUndefined();
      expect(typeof state.SecondsPath, name).toBe('string');
      const top = (state.SecondsPath as string).split('.')[1];
      expect(inputFields, name).toContain(top);
      read.add(top);
    }
    for (const [name, state] of Object.entries(def.States)) {
      const written = [state.ResultPath, ...((state.Catch as { ResultPath?: string }[] | undefined) ?? []).map((c) => c.ResultPath)];
      for (const path of written) {
        if (typeof path !== 'string') continue;
        expect(path, `${name} writes ${path}`).not.toBe('$');
        expect(read.has(path.split('.')[1]), `${name} writes ${path}`).toBe(false);
      }
    }
  });
});
