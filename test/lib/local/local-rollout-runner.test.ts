import { afterEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError, TerminalError, TransientError } from '../../../lib/errors.js';
import { AnalysisPolicy, type RolloutStep } from '../../../lib/model/service-spec.js';
import { judgeStep } from '../../../lib/rollout/analysis.js';
import { LocalRolloutRunner } from '../../../lib/local/local-rollout-runner.js';
import { ROLLOUT_FAILURES } from '../../../lib/rollout/state-machine.js';
import type { RolloutExecutionInput, RolloutTaskRequest } from '../../../lib/model/rollout-task-contract.js';
import { ScriptedRolloutTask } from '../rollout/scripted-rollout-task.js';

/** 30 s analysis intervals run in 30 ms. */
const TIME_FACTOR = 0.001;

const THREE_STEPS: RolloutStep[] = [
  { weight: 10, pauseSeconds: 60, gate: 'auto', gateTimeoutSeconds: 14_400 },
  { weight: 50, pauseSeconds: 60, gate: 'auto', gateTimeoutSeconds: 14_400 },
  { weight: 100, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 14_400 },
];

function rolloutInput(overrides: Partial<RolloutExecutionInput> = {}): RolloutExecutionInput {
  return {
    deploymentId: 'dep-0001',
    service: 'checkout',
    namespace: 'shop',
    strategy: 'canary',
    steps: THREE_STEPS,
    analysis: AnalysisPolicy.parse({ intervalSeconds: 30, maxInconclusive: 2 }),
    blueGreen: { previewSeconds: 60, keepOldSeconds: 90 },
    ...overrides,
  };
}

let runner: LocalRolloutRunner | undefined;
afterEach(async () => {
  await runner?.close();
  runner = undefined;
});

function runWith(task: { handle: (r: RolloutTaskRequest) => Promise<unknown> }): LocalRolloutRunner {
  runner = new LocalRolloutRunner({ task: task.handle, timeFactor: TIME_FACTOR });
  return runner;
}

describe('LocalRolloutRunner: canary', () => {
  it('walks a healthy canary through every step, analysing each for its pause, then promotes', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    expect(r.start(rolloutInput())).toEqual({ name: 'dep-0001', started: true });
    const result = await r.waitFor('dep-0001');

    expect(result.status).toBe('SUCCEEDED');
    // 60 s pause / 30 s interval = 2 analyses per step; a 0 s pause still gets one.
    expect(task.actions()).toEqual([
      'start',
      'setWeight',
      'analyze',
      'analyze',
      'setWeight',
      'analyze',
      'analyze',
      'setWeight',
      'analyze',
      'promote',
      'finish',
    ]);
    expect(task.callsOf('setWeight').map((c) => [c.stepIndex, c.weight, c.track])).toEqual([
      [0, 10, 'canary'],
      [1, 50, 'canary'],
      [2, 100, 'canary'],
    ]);
    expect(task.callsOf('analyze').map((c) => [c.stepIndex, c.weight, c.observedSeconds, c.phase])).toEqual([
      [0, 10, 30, 'step'],
      [0, 10, 60, 'step'],
      [1, 50, 30, 'step'],
      [1, 50, 60, 'step'],
      [2, 100, 30, 'step'],
    ]);
    expect(task.callsOf('promote')[0]).toMatchObject({ deploymentId: 'dep-0001', service: 'checkout', namespace: 'shop', strategy: 'canary' });
    // The last step's pass promotes directly.
    expect(result.output).toMatchObject({ progress: { stepIndex: 2, stepCount: 3 }, last: { payload: { status: 'promoted' } } });
  });

  it('rolls back at the first failing analysis, without waiting out the step pause', async () => {
    const task = new ScriptedRolloutTask(['fail']);
    const result = await runToEnd(runWith(task), rolloutInput());

    expect(task.actions()).toEqual(['start', 'setWeight', 'analyze', 'rollback']);
    const [analysis] = task.callsOf('analyze');
    expect(analysis.observedSeconds).toBeLessThan(THREE_STEPS[0].pauseSeconds);
    expect(task.callsOf('rollback')[0]).toMatchObject({ cause: 'analysisFailed', details: ['scripted fail #1'], strategy: 'canary' });
    expect(result).toMatchObject({ status: 'FAILED', error: ROLLOUT_FAILURES.analysisFailed });
  });

  it('fails a step mid-way when a later analysis fails', async () => {
    const task = new ScriptedRolloutTask(['pass', 'pass', 'pass', 'fail']);
    const result = await runToEnd(runWith(task), rolloutInput());
    expect(task.callsOf('setWeight').map((c) => c.weight)).toEqual([10, 50]);
    expect(task.actions().slice(-2)).toEqual(['analyze', 'rollback']);
    expect(result.error).toBe(ROLLOUT_FAILURES.analysisFailed);
  });

  it('counts inconclusive intervals only after the pause and rolls back when decideStep says the limit is reached', async () => {
    // The real judgement of empty metrics: no traffic at all.
    const idle = { requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined };
    const task = new ScriptedRolloutTask().judgeWith((request) => judgeStep(request.analysis, idle, idle));
    const result = await runToEnd(runWith(task), rolloutInput());

    // maxInconclusive 2: two uncounted analyses during the 60 s pause, then counts 0, 1, 2 → rollback.
    expect(task.callsOf('analyze').map((c) => c.observedSeconds)).toEqual([30, 60, 90, 120]);
    expect(task.callsOf('rollback')[0].details[0]).toMatch(/not enough traffic to judge after 2 inconclusive intervals/);
    expect(result.error).toBe(ROLLOUT_FAILURES.analysisFailed);
  });

  it('retries a task that failed with a TransientError and carries on', async () => {
    const task = new ScriptedRolloutTask(['pass']).failNext('setWeight', () => new TransientError('VirtualService update throttled'));
    const result = await runToEnd(runWith(task), rolloutInput());

    expect(result.status).toBe('SUCCEEDED');
    const setWeights = task.callsOf('setWeight');
    expect(setWeights.map((c) => c.weight)).toEqual([10, 10, 50, 100]);
    expect(setWeights[1]).toEqual(setWeights[0]);
    expect(task.actions()).not.toContain('rollback');
  });

  it('rolls back after a persistent TransientError once the retries (1 + 5) are used up', async () => {
    const task = new ScriptedRolloutTask(['pass']).failAlways('analyze', () => new TransientError('Prometheus unavailable'));
    const result = await runToEnd(runWith(task), rolloutInput());

    expect(task.callsOf('analyze')).toHaveLength(6);
    expect(task.callsOf('rollback')[0]).toMatchObject({ cause: 'taskFailed', details: ['TransientError', 'Prometheus unavailable'] });
    expect(result).toMatchObject({ status: 'FAILED', error: ROLLOUT_FAILURES.taskFailed });
  });

  it('does not retry a TerminalError: rolls back at once with the error as the reason', async () => {
    const task = new ScriptedRolloutTask(['pass']).failAlways('setWeight', () => new TerminalError('VirtualService rejected by admission'));
    const result = await runToEnd(runWith(task), rolloutInput());

    expect(task.actions()).toEqual(['start', 'setWeight', 'rollback']);
    expect(task.callsOf('rollback')[0].details).toEqual(['TerminalError', 'VirtualService rejected by admission']);
    expect(result.error).toBe(ROLLOUT_FAILURES.taskFailed);
  });

  it('ends in RolloutRollbackFailed when the rollback itself keeps failing', async () => {
    const task = new ScriptedRolloutTask(['fail']).failAlways('rollback', () => new TerminalError('cluster unreachable'));
    const result = await runToEnd(runWith(task), rolloutInput());
    expect(task.callsOf('rollback')).toHaveLength(1);
    expect(result).toMatchObject({ status: 'FAILED', error: ROLLOUT_FAILURES.rollbackFailed });
  });

  it('holds a passed manual step until promote is signalled, then continues', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    r.start(
      rolloutInput({
        steps: [
          { weight: 20, pauseSeconds: 30, gate: 'manual', gateTimeoutSeconds: 14_400 },
          { weight: 100, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 14_400 },
        ],
      }),
    );

    await task.until((calls) => calls.filter((c) => c.action === 'analyze' && c.phase === 'gate').length >= 3);
    expect(r.describe('dep-0001').status).toBe('RUNNING');
    expect(task.callsOf('setWeight').map((c) => c.weight)).toEqual([20]);

    task.signals.promoteRequested = true;
    const result = await r.waitFor('dep-0001');
    expect(result.status).toBe('SUCCEEDED');
    expect(task.callsOf('setWeight').map((c) => c.weight)).toEqual([20, 100]);
    const firstGateRelease = task.calls.findIndex((c) => c.action === 'setWeight' && c.weight === 100);
    expect(task.calls[firstGateRelease - 1]).toMatchObject({ action: 'analyze', phase: 'gate' });
  });

  it('does not hold a manual step that was promoted before it passed', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    task.signals.promoteRequested = true;
    const result = await runToEnd(
      runWith(task),
      rolloutInput({
        steps: [
          { weight: 20, pauseSeconds: 30, gate: 'manual', gateTimeoutSeconds: 14_400 },
          { weight: 100, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 14_400 },
        ],
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(task.callsOf('analyze').map((c) => c.phase)).toEqual(['step', 'step']);
  });

  it('rolls back when the user aborts, whatever the verdict', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    r.start(rolloutInput());
    await task.until((calls) => calls.some((c) => c.action === 'analyze'));
    task.signals.aborted = true;
    const result = await r.waitFor('dep-0001');

    expect(task.callsOf('rollback')[0]).toMatchObject({ cause: 'aborted' });
    expect(task.actions()).not.toContain('promote');
    expect(result).toMatchObject({ status: 'FAILED', error: ROLLOUT_FAILURES.aborted });
  });

  it('decides at once, without waiting an interval, when setWeight stopped waiting for pods (an abort during the wait)', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const stopped = {
      handle: async (request: RolloutTaskRequest) => {
        if (request.action !== 'setWeight') return task.handle(request);
        await task.handle(request);
        task.signals.aborted = true; // asked while the pods were awaited: setWeight gave up waiting
        return { weight: 0, then: 'decide' };
      },
    };
    const result = await runToEnd(runWith(stopped), rolloutInput());

    expect(task.callsOf('analyze').map((c) => c.observedSeconds)).toEqual([0]);
    expect(task.callsOf('rollback')[0]).toMatchObject({ cause: 'aborted' });
    expect(result).toMatchObject({ status: 'FAILED', error: ROLLOUT_FAILURES.aborted });
  });

  it('rolls back a task response that breaks the contract', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const broken = {
      handle: async (request: RolloutTaskRequest) => (request.action === 'analyze' ? { verdict: 'looks fine' } : task.handle(request)),
    };
    const result = await runToEnd(runWith(broken), rolloutInput());
    expect(task.callsOf('rollback')[0].details[1]).toMatch(/"analyze" response breaks the task contract/);
    expect(result.error).toBe(ROLLOUT_FAILURES.taskFailed);
  });
});

describe('LocalRolloutRunner: blue/green', () => {
  it('analyses the preview for previewSeconds, switches, keeps the old version for keepOldSeconds, promotes', async () => {
    const task = new ScriptedRolloutTask(['inconclusive', 'inconclusive', 'pass']);
    const result = await runToEnd(runWith(task), rolloutInput({ strategy: 'blueGreen' }));

    expect(result.status).toBe('SUCCEEDED');
    expect(task.actions()).toEqual(['start', 'analyze', 'analyze', 'setWeight', 'analyze', 'analyze', 'analyze', 'promote', 'finish']);
    expect(task.callsOf('start')[0].strategy).toBe('blueGreen');
    expect(task.callsOf('analyze').map((c) => [c.phase, c.track, c.weight, c.observedSeconds])).toEqual([
      ['preview', 'preview', 0, 30],
      ['preview', 'preview', 0, 60], // inconclusive preview is accepted at the end of previewSeconds
      ['switched', 'preview', 100, 30],
      ['switched', 'preview', 100, 60],
      ['switched', 'preview', 100, 90],
    ]);
    expect(task.callsOf('setWeight')[0]).toMatchObject({ track: 'preview', weight: 100 });
    expect(task.callsOf('promote')[0].strategy).toBe('blueGreen');
  });

  it('rolls back to the old version when the switched version fails', async () => {
    const task = new ScriptedRolloutTask(['pass', 'pass', 'fail']);
    const result = await runToEnd(runWith(task), rolloutInput({ strategy: 'blueGreen' }));
    expect(task.actions()).toEqual(['start', 'analyze', 'analyze', 'setWeight', 'analyze', 'rollback']);
    expect(task.callsOf('rollback')[0]).toMatchObject({ strategy: 'blueGreen', cause: 'analysisFailed' });
    expect(result.error).toBe(ROLLOUT_FAILURES.analysisFailed);
  });
});

describe('LocalRolloutRunner: executions', () => {
  it('returns the running execution for a second start with the same name and input', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    expect(r.start(rolloutInput()).started).toBe(true);
    expect(r.start(rolloutInput())).toEqual({ name: 'dep-0001', started: false });
    await r.waitFor('dep-0001');
    expect(task.callsOf('start')).toHaveLength(1);
  });

  it('refuses a name reused with another input, or after its execution ended', async () => {
    const r = runWith(new ScriptedRolloutTask(['pass']));
    r.start(rolloutInput());
    expect(() => r.start(rolloutInput({ service: 'payments' }))).toThrow(AlreadyExistsError);
    await r.waitFor('dep-0001');
    expect(() => r.start(rolloutInput())).toThrow(AlreadyExistsError);
  });

  it('runs executions with different names side by side', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    r.start(rolloutInput({ deploymentId: 'dep-a' }));
    r.start(rolloutInput({ deploymentId: 'dep-b', strategy: 'blueGreen' }));
    const [a, b] = await Promise.all([r.waitFor('dep-a'), r.waitFor('dep-b')]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(
      task
        .callsOf('finish')
        .map((c) => c.deploymentId)
        .sort(),
    ).toEqual(['dep-a', 'dep-b']);
  });

  it('stop ends a running execution as ABORTED without running the rollback path', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    r.start(
      rolloutInput({
        steps: [
          { weight: 20, pauseSeconds: 30, gate: 'manual', gateTimeoutSeconds: 14_400 },
          { weight: 100, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 14_400 },
        ],
      }),
    );
    await task.until((calls) => calls.some((c) => c.action === 'analyze' && c.phase === 'gate'));

    const stopped = await r.stop('dep-0001', 'operator stopped it');
    const callsAtStop = task.calls.length;
    expect(stopped).toMatchObject({ status: 'ABORTED', cause: 'operator stopped it' });
    expect(stopped.stoppedAt).toBeDefined();
    expect(task.actions()).not.toContain('rollback');
    await new Promise((resolve) => setTimeout(resolve, 100)); // several intervals: nothing else runs
    expect(task.calls.length).toBe(callsAtStop);
  });

  it('describes a running execution with its recent history and rejects unknown names', async () => {
    const task = new ScriptedRolloutTask(['pass']);
    const r = runWith(task);
    r.start(rolloutInput());
    await task.until((calls) => calls.some((c) => c.action === 'analyze'));
    const running = r.describe('dep-0001');
    expect(running).toMatchObject({ name: 'dep-0001', status: 'RUNNING', input: { service: 'checkout' } });
    expect(running.history.map((h) => h.state)).toContain('Canary: set weight');
    expect(() => r.describe('dep-unknown')).toThrow(NotFoundError);
    await expect(r.stop('dep-unknown')).rejects.toThrow(NotFoundError);
  });

  it('refuses an input that is not a rollout (bad execution name)', () => {
    const r = runWith(new ScriptedRolloutTask());
    expect(() => r.start(rolloutInput({ deploymentId: 'dep with spaces' }))).toThrow(/execution/);
  });
});

async function runToEnd(r: LocalRolloutRunner, input: RolloutExecutionInput) {
  const { name } = r.start(input);
  return r.waitFor(name);
}
