/**
 * The release train state machine in Amazon States Language: one definition, run by AWS Step Functions
 * (deployed by CDK, `infra/constructs/task-state-machine.ts`) and locally by `aws-local-stepfunctions`
 * (`lib/local/local-release-runner.ts`). Executions are named after the release id, so a duplicate start
 * starts nothing.
 *
 * ```
 * Plan → Level: start → (Level: wait → Level: check)* ─ next ─→ Level: next → More levels? ─ yes → Level: start
 *                                                    │                                   └ no ──→ Finish
 *                                                    └ stop ─→ (Wind down → Wind down: wait)* → Finish → Succeeded | Failed
 * ```
 *
 * The machine decides nothing: each task reloads the release and its deployments and decides with
 * `lib/release/decide.ts`; Choice states only dispatch on `decision`. Progress is data: `$.progress.levelIndex`.
 * A task that fails for good (after retries) goes to the wind-down with its error, so a train never
 * stops half-way without rolling back (rollbackAll) and recording why.
 *
 * Every Wait reads `$.intervalSeconds` from the input, which the machine never rewrites, so the local
 * runner can compress time.
 */
import type { AslDefinition, AslState } from '../rollout/state-machine.js';
import { RETRYABLE_TASK_ERRORS } from '../rollout/state-machine.js';

/** Placeholder the deployment (definitionSubstitutions) or the local runner replaces with the task function's ARN. */
export const RELEASE_TASK_FUNCTION_ARN_KEY = 'ReleaseTaskFunctionArn';

export const RELEASE_FAILURES = { failed: 'ReleaseFailed', aborted: 'ReleaseAborted', windDownFailed: 'ReleaseWindDownFailed' } as const;

export const RELEASE_STATES = {
  start: 'Start',
  plan: 'Plan',
  init: 'Levels: init',
  startLevel: 'Level: start',
  waitLevel: 'Level: wait',
  checkLevel: 'Level: check',
  levelDecision: 'Level: go where the decision says',
  nextLevel: 'Level: next',
  moreLevels: 'More levels?',
  taskFailed: 'Task failed',
  windDown: 'Wind down',
  windDownDecision: 'Wind down: go where the decision says',
  windDownWait: 'Wind down: wait',
  windDownFailed: 'Wind down failed',
  finish: 'Finish',
  outcome: 'Released?',
  succeeded: 'Release succeeded',
  failed: 'Release failed',
  aborted: 'Release aborted',
  finishFailed: 'Finish failed',
} as const;

const TASK_TIMEOUT_SECONDS = 120;
const TASK_FUNCTION = `\${${RELEASE_TASK_FUNCTION_ARN_KEY}}`;

function task(action: string, payload: Record<string, unknown>, next: string, catchNext: string, resultPath = '$.last'): AslState {
  return {
    Type: 'Task',
    Comment: `Release task "${action}"`,
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: TASK_FUNCTION, Payload: { action, 'releaseId.$': '$.releaseId', ...payload } },
    ResultSelector: { 'payload.$': '$.Payload' },
    ResultPath: resultPath,
    TimeoutSeconds: TASK_TIMEOUT_SECONDS,
    Retry: [{ ErrorEquals: [...RETRYABLE_TASK_ERRORS], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: catchNext }],
    Next: next,
  };
}

const decisionIs = (decision: string, next: string) => ({ Variable: '$.last.payload.decision', StringEquals: decision, Next: next });

/** The release state machine definition; the task function ARN is the placeholder `${ReleaseTaskFunctionArn}`. */
export function releaseStateMachineDefinition(): AslDefinition {
  const S = RELEASE_STATES;
  const levelIndex = { 'levelIndex.$': '$.progress.levelIndex' };
  return {
    Comment: 'meshplane release train: levels of deployments in dependency order, callees first; stop and roll back on failure',
    StartAt: S.start,
    States: {
      // `$.error` always exists, so the wind-down's payload can name it whether or not a task failed.
      [S.start]: { Type: 'Pass', Result: {}, ResultPath: '$.error', Next: S.plan },
      [S.plan]: task('plan', {}, S.init, S.taskFailed, '$.plan'),
      [S.init]: { Type: 'Pass', Parameters: { levelIndex: 0 }, ResultPath: '$.progress', Next: S.moreLevels },
      [S.moreLevels]: {
        Type: 'Choice',
        Comment: 'Another level to release?',
        Choices: [{ Variable: '$.progress.levelIndex', NumericLessThanPath: '$.plan.payload.levelCount', Next: S.startLevel }],
        Default: S.finish,
      },
      [S.startLevel]: task('startLevel', levelIndex, S.waitLevel, S.taskFailed),
      [S.waitLevel]: { Type: 'Wait', Comment: 'One interval', SecondsPath: '$.intervalSeconds', Next: S.checkLevel },
      [S.checkLevel]: task('checkLevel', levelIndex, S.levelDecision, S.taskFailed),
      [S.levelDecision]: {
        Type: 'Choice',
        Comment: 'Dispatch on the decision (decideLevel)',
        Choices: [decisionIs('next', S.nextLevel), decisionIs('stop', S.windDown)],
        Default: S.waitLevel,
      },
      [S.nextLevel]: {
        Type: 'Pass',
        Parameters: { 'levelIndex.$': 'States.MathAdd($.progress.levelIndex, 1)' },
        ResultPath: '$.progress',
        Next: S.moreLevels,
      },
      [S.taskFailed]: { Type: 'Pass', Comment: 'A task failed for good: wind the train down with its error', Next: S.windDown },
      [S.windDown]: task('windDown', { 'failure.$': '$.error' }, S.windDownDecision, S.windDownFailed),
      [S.windDownDecision]: {
        Type: 'Choice',
        Comment: 'Dispatch on the decision (decideWindDown)',
        Choices: [decisionIs('end', S.finish)],
        Default: S.windDownWait,
      },
      [S.windDownWait]: { Type: 'Wait', Comment: 'One interval', SecondsPath: '$.intervalSeconds', Next: S.windDown },
      [S.windDownFailed]: { Type: 'Fail', Error: RELEASE_FAILURES.windDownFailed, Cause: 'winding the train down failed; the reconcile ends the release' },
      [S.finish]: task('finish', {}, S.outcome, S.finishFailed),
      [S.outcome]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.last.payload.outcome', StringEquals: 'succeeded', Next: S.succeeded },
          { Variable: '$.last.payload.outcome', StringEquals: 'aborted', Next: S.aborted },
        ],
        Default: S.failed,
      },
      [S.succeeded]: { Type: 'Succeed' },
      [S.failed]: { Type: 'Fail', Error: RELEASE_FAILURES.failed, Cause: 'the train stopped; see the release record for why' },
      [S.aborted]: { Type: 'Fail', Error: RELEASE_FAILURES.aborted, Cause: 'the release was aborted' },
      [S.finishFailed]: { Type: 'Fail', Error: RELEASE_FAILURES.windDownFailed, Cause: 'recording the end failed; the reconcile ends the release' },
    },
  };
}

/** The definition with the task function's ARN in place, as Step Functions' `definitionSubstitutions` do. */
export function releaseDefinitionFor(taskFunctionArn: string): AslDefinition {
  return JSON.parse(JSON.stringify(releaseStateMachineDefinition()).replaceAll(TASK_FUNCTION, JSON.stringify(taskFunctionArn).slice(1, -1))) as AslDefinition;
}
