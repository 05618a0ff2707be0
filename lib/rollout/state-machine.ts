/**
 * The rollout state machine in Amazon States Language. One definition runs in AWS Step Functions
 * (deployed by CDK) and locally in `aws-local-stepfunctions` (`lib/local/local-rollout-runner.ts`).
 *
 * Input: {@link RolloutExecutionInput}. State data = the input plus
 * - `progress`: `{stepIndex, stepCount, step: {weight, pauseSeconds, gate, gateTimeoutSeconds}, observedSeconds}`:
 *   where the rollout is (progress is data, not control flow);
 * - `last`: the payload returned by the most recent task;
 * - `error`: `{Error, Cause}` of a task that failed for good; `rollback`: `{cause, details}`.
 *
 * How a phase is observed (canary step, blue/green preview, blue/green after the switch): wait one
 * analysis interval, add it to the observed time, analyze, and go where the analysis' `decision` says.
 * The machine decides nothing itself: `decideStep` (`decide-step.ts`, called by the `analyze` task)
 * weighs the metrics, the phase's minimum time, inconclusive counts, gates and abort requests, and the
 * Choice states only dispatch on `decision` (`continue`, `hold`, `advance`, `promote`, `rollback`,
 * `abort`). Every phase gets at least one analysis; a failing one rolls back at once.
 *
 * Manual gates: `aws-local-stepfunctions` does not implement `.waitForTaskToken` (it invokes the
 * resource and takes the response), so a token-based gate would behave differently locally. Instead a
 * passed manual step (`hold`) keeps analysing every interval and advances when the decision, which
 * reads the promote request on the deployment record, says so: identical in both places, still fails
 * fast while waiting, and needs no token storage. The cost is one Lambda call per interval while gated.
 *
 * A canary whose pods were stopped while `setWeight` waited for them (crash loop, or an abort request)
 * is analysed at once (`setWeight` answers `then: 'decide'`), so its rollback does not wait an interval.
 *
 * Every Wait state reads its duration with `SecondsPath` from an input field the machine never
 * rewrites (`$.analysis.intervalSeconds`), so the local runner can compress time with a factor.
 */
import type { RolloutExecutionInput } from '../model/rollout-task-contract.js';

/** One state of an Amazon States Language definition. */
export type AslState = { Type: 'Task' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail'; Comment?: string } & Record<string, unknown>;

/** An Amazon States Language state machine definition. */
export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/**
 * Keys of `definitionSubstitutions` the definition expects (CDK: `DefinitionBody.fromString(JSON.stringify(def))`
 * with `definitionSubstitutions`; locally: {@link substituteDefinition}).
 */
export const DEFINITION_SUBSTITUTIONS = {
  /** ARN of the rollout task Lambda (see `model/rollout-task-contract.ts`), invoked via `arn:aws:states:::lambda:invoke`. */
  RolloutTaskFunctionArn: 'RolloutTaskFunctionArn',
} as const;
export type DefinitionSubstitutions = Record<keyof typeof DEFINITION_SUBSTITUTIONS, string>;

/**
 * Errors a task retries with backoff. `TransientError` and `VersionConflictError` are the names
 * (`error.name`, the Lambda `errorType`) of the retryable classes in `lib/errors.ts`.
 */
export const RETRYABLE_TASK_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'TransientError',
  'VersionConflictError',
] as const;

/** `Error` of the Fail state that ends each unsuccessful execution. */
export const ROLLOUT_FAILURES = {
  analysisFailed: 'RolloutAnalysisFailed',
  aborted: 'RolloutAborted',
  taskFailed: 'RolloutTaskFailed',
  rollbackFailed: 'RolloutRollbackFailed',
} as const;

/** State names, so transitions cannot be misspelt. */
export const STATES = {
  start: 'Start',
  chooseStrategy: 'Choose strategy',
  canaryInit: 'Canary: init',
  loadStep: 'Canary: load step',
  setWeight: 'Canary: set weight',
  stoppedWhileWaiting: 'Canary: stopped while its pods were awaited?',
  nextStep: 'Canary: next step',
  blueGreenInit: 'BlueGreen: init',
  switchTraffic: 'BlueGreen: switch traffic',
  switchedInit: 'BlueGreen: switched',
  promote: 'Promote',
  finish: 'Finish',
  succeeded: 'Rollout succeeded',
  analysisFailed: 'Analysis failed',
  abortRequested: 'Abort requested',
  taskFailed: 'Task failed',
  rollback: 'Rollback',
  rolledBackBecause: 'Rolled back because?',
  failedAnalysis: 'Rolled back: analysis failed',
  aborted: 'Rolled back: aborted',
  failedTask: 'Rolled back: task failed',
  rollbackFailed: 'Rollback failed',
  passWave: 'Wave: pass',
  afterWave: 'Wave: go where passWave says',
  bakeInit: 'Bake: init',
  beginWave: 'Wave: begin next',
} as const;

/** Names of the states of one observe loop (see the module comment). */
export function observeStateNames(prefix: string) {
  return {
    wait: `${prefix}: wait interval`,
    countTime: `${prefix}: count observed time`,
    analyze: `${prefix}: analyze`,
    decide: `${prefix}: go where the decision says`,
  };
}

const GATE = observeStateNames('Canary gate');
const CANARY_STEP = observeStateNames('Canary step');
const PREVIEW = observeStateNames('BlueGreen preview');
const SWITCHED = observeStateNames('BlueGreen switched');
const BAKE = observeStateNames('Bake');

const TASK_TIMEOUT_SECONDS = 120;
/** Placeholder CDK / local substitution replaces with the task function's ARN. */
const TASK_FUNCTION = `\${${DEFINITION_SUBSTITUTIONS.RolloutTaskFunctionArn}}`;

type Track = 'canary' | 'preview';

const TARGET_FIELDS = {
  'deploymentId.$': '$.deploymentId',
  'service.$': '$.service',
  'namespace.$': '$.namespace',
};

interface TaskOptions {
  /** Where the payload goes in the state data (default `$.last`). */
  resultPath?: string;
  next: string;
  /** Where a failure goes after retries (default: the rollback path). */
  catchNext?: string;
  maxAttempts?: number;
}

/** A call of the task Lambda; the state keeps the function's payload only (not the invoke metadata). */
function taskState(action: string, payload: Record<string, unknown>, opts: TaskOptions): AslState {
  return {
    Type: 'Task',
    Comment: `Task Lambda action "${action}"`,
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: TASK_FUNCTION, Payload: { action, ...TARGET_FIELDS, ...payload } },
    ResultSelector: { 'payload.$': '$.Payload' },
    ResultPath: opts.resultPath ?? '$.last',
    TimeoutSeconds: TASK_TIMEOUT_SECONDS,
    Retry: [
      {
        ErrorEquals: [...RETRYABLE_TASK_ERRORS],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: opts.maxAttempts ?? 5,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      },
    ],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: opts.catchNext ?? STATES.taskFailed }],
    Next: opts.next,
  };
}

/** A Pass state that rewrites `$.progress`, keeping every field not named in `changes`. */
function progressState(changes: Record<string, unknown>, next: string, comment: string): AslState {
  const keep: Record<string, unknown> = {
    'stepIndex.$': '$.progress.stepIndex',
    'stepCount.$': '$.progress.stepCount',
    'step.$': '$.progress.step',
    'observedSeconds.$': '$.progress.observedSeconds',
  };
  for (const key of Object.keys(changes)) delete keep[`${key.replace(/\.\$$/, '')}.$`];
  return { Type: 'Pass', Comment: comment, Parameters: { ...keep, ...changes }, ResultPath: '$.progress', Next: next };
}

const WAIT_INTERVAL: Omit<AslState, 'Type'> = { SecondsPath: '$.analysis.intervalSeconds' };

type Phase = 'step' | 'gate' | 'preview' | 'switched' | 'bake';

function analyzeTask(track: Track, phase: Phase, minSecondsPath: string, next: string): AslState {
  return taskState(
    'analyze',
    {
      track,
      phase,
      'stepIndex.$': '$.progress.stepIndex',
      'stepCount.$': '$.progress.stepCount',
      'weight.$': '$.progress.step.weight',
      'observedSeconds.$': '$.progress.observedSeconds',
      'minObservedSeconds.$': minSecondsPath,
      'gate.$': '$.progress.step.gate',
      'gateTimeoutSeconds.$': '$.progress.step.gateTimeoutSeconds',
      'analysis.$': '$.analysis',
    },
    { next },
  );
}

/** Where each decision of `decideStep` leads; a decision without a target here goes on observing. */
type DecisionTargets = Partial<Record<'hold' | 'advance' | 'promote' | 'passWave', string>>;

/** The Choice after an analysis: a dispatch on `decision`, nothing else (see module comment). */
function decisionChoice(targets: DecisionTargets, otherwise: string): AslState {
  const rule = (decision: string, next: string) => ({ Variable: '$.last.payload.decision', StringEquals: decision, Next: next });
  return {
    Type: 'Choice',
    Comment: 'Dispatch on the decision of the analysis (decideStep)',
    Choices: [
      rule('abort', STATES.abortRequested),
      rule('rollback', STATES.analysisFailed),
      ...Object.entries(targets).map(([decision, next]) => rule(decision, next)),
    ],
    Default: otherwise,
  };
}

interface ObservePhase {
  names: ReturnType<typeof observeStateNames>;
  track: Track;
  phase: Phase;
  /** Path of the phase's minimum observation time in seconds (data for the decision). */
  minSecondsPath: string;
  targets: DecisionTargets;
}

/** Wait → count time → analyze → dispatch on the decision, looping while it says `continue` (see module comment). */
function observeStates(p: ObservePhase): Record<string, AslState> {
  const { names } = p;
  return {
    [names.wait]: { Type: 'Wait', Comment: 'One analysis interval', ...WAIT_INTERVAL, Next: names.countTime },
    [names.countTime]: progressState(
      { 'observedSeconds.$': 'States.MathAdd($.progress.observedSeconds, $.analysis.intervalSeconds)' },
      names.analyze,
      'Add the interval just waited to the observed time',
    ),
    [names.analyze]: analyzeTask(p.track, p.phase, p.minSecondsPath, names.decide),
    [names.decide]: decisionChoice(p.targets, names.wait),
  };
}

function startStates(): Record<string, AslState> {
  return {
    [STATES.start]: taskState('start', { 'strategy.$': '$.strategy' }, { next: STATES.chooseStrategy }),
    [STATES.chooseStrategy]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.strategy', StringEquals: 'blueGreen', Next: STATES.blueGreenInit }],
      Default: STATES.canaryInit,
    },
  };
}

function canaryStates(): Record<string, AslState> {
  return {
    [STATES.canaryInit]: {
      Type: 'Pass',
      Parameters: { stepIndex: 0, 'stepCount.$': 'States.ArrayLength($.steps)', observedSeconds: 0, step: null },
      ResultPath: '$.progress',
      Next: STATES.loadStep,
    },
    [STATES.loadStep]: progressState(
      { 'step.$': 'States.ArrayGetItem($.steps, $.progress.stepIndex)', observedSeconds: 0 },
      STATES.setWeight,
      'Current step from its index; observation starts again',
    ),
    [STATES.setWeight]: taskState(
      'setWeight',
      { track: 'canary', 'stepIndex.$': '$.progress.stepIndex', 'weight.$': '$.progress.step.weight' },
      { next: STATES.stoppedWhileWaiting },
    ),
    [STATES.stoppedWhileWaiting]: {
      Type: 'Choice',
      Comment: 'setWeight stopped waiting for pods (crash loop, abort requested): analyse now, the decision rolls back or aborts',
      Choices: [{ Variable: '$.last.payload.then', StringEquals: 'decide', Next: CANARY_STEP.analyze }],
      Default: CANARY_STEP.wait,
    },
    ...observeStates({
      names: CANARY_STEP,
      track: 'canary',
      phase: 'step',
      minSecondsPath: '$.progress.step.pauseSeconds',
      targets: { hold: GATE.wait, advance: STATES.nextStep, promote: STATES.promote, passWave: STATES.passWave },
    }),
    // A passed step waiting for a promote signal keeps being analysed (fail fast); time at the gate
    // counts too, so the decision aborts a gate nobody promotes within its timeout.
    ...observeStates({
      names: GATE,
      track: 'canary',
      phase: 'gate',
      minSecondsPath: '$.progress.step.pauseSeconds',
      targets: { advance: STATES.nextStep, promote: STATES.promote, passWave: STATES.passWave },
    }),
    [STATES.nextStep]: progressState({ 'stepIndex.$': 'States.MathAdd($.progress.stepIndex, 1)' }, STATES.loadStep, 'Advance to the next step'),
  };
}

/** The progress `step` of a blue/green phase: its weight; no gate (the phase's minimum time comes from `$.blueGreen`). */
const BLUE_GREEN_STEP = (weight: number) => ({ weight, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 0 });

function blueGreenStates(): Record<string, AslState> {
  return {
    [STATES.blueGreenInit]: {
      Type: 'Pass',
      Parameters: { stepIndex: 0, stepCount: 1, step: BLUE_GREEN_STEP(0), observedSeconds: 0 },
      ResultPath: '$.progress',
      Next: PREVIEW.wait,
    },
    ...observeStates({
      names: PREVIEW,
      track: 'preview',
      phase: 'preview',
      minSecondsPath: '$.blueGreen.previewSeconds',
      targets: { advance: STATES.switchTraffic },
    }),
    [STATES.switchTraffic]: taskState('setWeight', { track: 'preview', stepIndex: 0, weight: 100 }, { next: STATES.switchedInit }),
    [STATES.switchedInit]: progressState(
      { step: BLUE_GREEN_STEP(100), observedSeconds: 0 },
      SWITCHED.wait,
      'All traffic on the new version; the old one is kept for keepOldSeconds',
    ),
    ...observeStates({
      names: SWITCHED,
      track: 'preview',
      phase: 'switched',
      minSecondsPath: '$.blueGreen.keepOldSeconds',
      targets: { promote: STATES.promote, passWave: STATES.passWave },
    }),
  };
}

/**
 * Waves (a service in several clusters; the plan is on the deployment record): the analysis that passes a
 * wave's last step decides `passWave`; `passWave` keeps the wave's clusters on the new version and says
 * what follows: the bake (every cluster released so far observed for `rollout.bakeSeconds`, decided by
 * `decideBake` in `decide-wave.ts`), the next wave (`beginWave`, then the strategy's steps again in its
 * clusters) or the promotion. Like the rest, these states only dispatch on decisions.
 */
function waveStates(): Record<string, AslState> {
  return {
    [STATES.passWave]: taskState('passWave', {}, { next: STATES.afterWave }),
    [STATES.afterWave]: {
      Type: 'Choice',
      Comment: 'Dispatch on the decision of passWave (afterWavePassed)',
      Choices: [
        { Variable: '$.last.payload.decision', StringEquals: 'bake', Next: STATES.bakeInit },
        { Variable: '$.last.payload.decision', StringEquals: 'advance', Next: STATES.beginWave },
      ],
      Default: STATES.promote,
    },
    [STATES.bakeInit]: {
      Type: 'Pass',
      Comment: 'The released clusters are observed for bakeSeconds (as the phase minimum)',
      Parameters: {
        stepIndex: 0,
        stepCount: 1,
        step: { weight: 100, 'pauseSeconds.$': '$.last.payload.bakeSeconds', gate: 'auto', gateTimeoutSeconds: 0 },
        observedSeconds: 0,
      },
      ResultPath: '$.progress',
      Next: BAKE.wait,
    },
    ...observeStates({
      names: BAKE,
      track: 'canary',
      phase: 'bake',
      minSecondsPath: '$.progress.step.pauseSeconds',
      targets: { advance: STATES.beginWave, promote: STATES.promote },
    }),
    [STATES.beginWave]: taskState('beginWave', { 'strategy.$': '$.strategy' }, { next: STATES.chooseStrategy }),
  };
}

function completionStates(): Record<string, AslState> {
  return {
    [STATES.promote]: taskState('promote', { 'strategy.$': '$.strategy' }, { next: STATES.finish }),
    [STATES.finish]: taskState('finish', {}, { next: STATES.succeeded }),
    [STATES.succeeded]: { Type: 'Succeed' },
  };
}

function rollbackStates(): Record<string, AslState> {
  const reason = (cause: string, details: string): AslState => ({
    Type: 'Pass',
    Parameters: { cause, 'details.$': details },
    ResultPath: '$.rollback',
    Next: STATES.rollback,
  });
  const fail = (error: string, cause: string): AslState => ({ Type: 'Fail', Error: error, Cause: cause });
  return {
    [STATES.analysisFailed]: reason('analysisFailed', '$.last.payload.reasons'),
    [STATES.abortRequested]: reason('aborted', '$.last.payload.reasons'),
    [STATES.taskFailed]: reason('taskFailed', 'States.Array($.error.Error, $.error.Cause)'),
    [STATES.rollback]: taskState(
      'rollback',
      { 'strategy.$': '$.strategy', 'cause.$': '$.rollback.cause', 'details.$': '$.rollback.details' },
      { next: STATES.rolledBackBecause, catchNext: STATES.rollbackFailed, maxAttempts: 10 },
    ),
    [STATES.rolledBackBecause]: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.rollback.cause', StringEquals: 'analysisFailed', Next: STATES.failedAnalysis },
        { Variable: '$.rollback.cause', StringEquals: 'aborted', Next: STATES.aborted },
      ],
      Default: STATES.failedTask,
    },
    [STATES.failedAnalysis]: fail(ROLLOUT_FAILURES.analysisFailed, 'an analysis failed; traffic is back on stable'),
    [STATES.aborted]: fail(ROLLOUT_FAILURES.aborted, 'the rollout was aborted; traffic is back on stable'),
    [STATES.failedTask]: fail(ROLLOUT_FAILURES.taskFailed, 'a rollout task failed; traffic is back on stable'),
    [STATES.rollbackFailed]: fail(ROLLOUT_FAILURES.rollbackFailed, 'the rollback itself failed; the service needs attention'),
  };
}

/**
 * The rollout state machine definition (both strategies; the input's `strategy` chooses). The task
 * function ARN is the placeholder `${RolloutTaskFunctionArn}`: see {@link DEFINITION_SUBSTITUTIONS}.
 */
export function rolloutStateMachineDefinition(): AslDefinition {
  return {
    Comment: 'meshplane progressive rollout: canary steps or blue/green, judged on mesh metrics, promoted or rolled back',
    StartAt: STATES.start,
    States: { ...startStates(), ...canaryStates(), ...blueGreenStates(), ...waveStates(), ...completionStates(), ...rollbackStates() },
  };
}

/** Replaces every `${Key}` in the definition's strings, as Step Functions' `definitionSubstitutions` do. */
export function substituteDefinition(definition: AslDefinition, substitutions: DefinitionSubstitutions): AslDefinition {
  const json = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (placeholder, key: string) => {
    const value = (substitutions as Record<string, string>)[key];
    if (value === undefined) throw new Error(`no substitution for ${placeholder} in the rollout definition`);
    return JSON.stringify(value).slice(1, -1);
  });
  return JSON.parse(json) as AslDefinition;
}

/** Type of the data the machine starts with; re-exported for callers that build executions. */
export type { RolloutExecutionInput };
