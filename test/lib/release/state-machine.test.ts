/**
 * The release ASL's paths, run by the local interpreter (the one the local runtime uses) with a scripted
 * task function standing in for the release tasks: what each path calls, and how the execution ends.
 */
import { describe, expect, it } from 'vitest';
import { LocalReleaseRunner } from '../../../lib/local/local-release-runner.js';
import { TerminalError, TransientError } from '../../../lib/errors.js';
import type { ReleaseTaskRequest, ReleaseTaskResponse } from '../../../lib/model/release-task-contract.js';
import { releaseDefinitionFor, releaseStateMachineDefinition } from '../../../lib/release/state-machine.js';

type Script = (request: ReleaseTaskRequest, calls: ReleaseTaskRequest[]) => ReleaseTaskResponse | Promise<ReleaseTaskResponse>;

async function run(script: Script, releaseId = 'rel-1') {
  const calls: ReleaseTaskRequest[] = [];
  const runner = new LocalReleaseRunner({ timeFactor: 0.001, task: async (r) => (calls.push(r), script(r, calls)) });
  runner.start({ releaseId, intervalSeconds: 5 });
  const end = await runner.waitFor(releaseId);
  return { end, calls: calls.map((c) => ('levelIndex' in c ? `${c.action}:${c.levelIndex}` : c.action)), runner, raw: calls };
}

const count = (calls: ReleaseTaskRequest[], action: string) => calls.filter((c) => c.action === action).length;

describe('release state machine', () => {
  it('releases level after level, looking again while a level runs, then finishes', async () => {
    const { end, calls } = await run((r, all) => {
      if (r.action === 'plan') return { levelCount: 2 };
      if (r.action === 'checkLevel') return { decision: count(all, 'checkLevel') % 2 === 1 ? 'wait' : 'next' };
      if (r.action === 'finish') return { outcome: 'succeeded' };
      return {};
    });
    expect(calls).toEqual(['plan', 'startLevel:0', 'checkLevel:0', 'checkLevel:0', 'startLevel:1', 'checkLevel:1', 'checkLevel:1', 'finish']);
    expect(end.status).toBe('SUCCEEDED');
  });

  it('winds down after a stop until the wind-down says end, and fails', async () => {
    const { end, calls } = await run((r, all) => {
      if (r.action === 'plan') return { levelCount: 3 };
      if (r.action === 'checkLevel') return { decision: r.levelIndex === 1 ? 'stop' : 'next' };
      if (r.action === 'windDown') return { decision: count(all, 'windDown') < 3 ? 'wait' : 'end' };
      if (r.action === 'finish') return { outcome: 'failed' };
      return {};
    });
    expect(calls).toEqual(['plan', 'startLevel:0', 'checkLevel:0', 'startLevel:1', 'checkLevel:1', 'windDown', 'windDown', 'windDown', 'finish']);
    expect(end).toMatchObject({ status: 'FAILED', error: 'ReleaseFailed' });
  });

  it('ends aborted when finish says so', async () => {
    const { end } = await run((r) => {
      if (r.action === 'plan') return { levelCount: 1 };
      if (r.action === 'checkLevel') return { decision: 'stop' };
      if (r.action === 'windDown') return { decision: 'end' };
      if (r.action === 'finish') return { outcome: 'aborted' };
      return {};
    });
    expect(end).toMatchObject({ status: 'FAILED', error: 'ReleaseAborted' });
  });

  it('retries a transient task failure, and winds down with the error of one that fails for good', async () => {
    let transient = 0;
    const { end, calls, raw } = await run((r) => {
      if (r.action === 'plan') return { levelCount: 2 };
      if (r.action === 'startLevel' && r.levelIndex === 0 && transient++ < 2) throw new TransientError('DynamoDB throttled');
      if (r.action === 'startLevel' && r.levelIndex === 1) throw new TerminalError('the queue is gone');
      if (r.action === 'checkLevel') return { decision: 'next' };
      if (r.action === 'windDown') return { decision: 'end' };
      if (r.action === 'finish') return { outcome: 'failed' };
      return {};
    });
    expect(calls).toEqual(['plan', 'startLevel:0', 'startLevel:0', 'startLevel:0', 'checkLevel:0', 'startLevel:1', 'windDown', 'finish']);
    expect(raw.find((c) => c.action === 'windDown')).toMatchObject({ failure: { Error: 'TerminalError', Cause: 'the queue is gone' } });
    expect(end.status).toBe('FAILED');
  });

  it('a wind-down on the normal path gets an empty failure', async () => {
    const { raw } = await run((r) => {
      if (r.action === 'plan') return { levelCount: 1 };
      if (r.action === 'checkLevel') return { decision: 'stop' };
      if (r.action === 'windDown') return { decision: 'end' };
      return { outcome: 'failed' };
    });
    expect(raw.find((c) => c.action === 'windDown')).toMatchObject({ failure: {} });
  });

  it('with no level to release goes straight to finish', async () => {
    const { calls, end } = await run((r) => (r.action === 'plan' ? { levelCount: 0 } : { outcome: 'succeeded' }));
    expect(calls).toEqual(['plan', 'finish']);
    expect(end.status).toBe('SUCCEEDED');
  });

  it('is named after the release: a second start while it runs starts nothing, a reuse after it ended is refused', async () => {
    const runner = new LocalReleaseRunner({ timeFactor: 0.001, task: async (r) => (r.action === 'plan' ? { levelCount: 0 } : { outcome: 'succeeded' }) });
    expect(runner.start({ releaseId: 'rel-2', intervalSeconds: 5 })).toEqual({ name: 'rel-2', started: true });
    expect(runner.start({ releaseId: 'rel-2', intervalSeconds: 5 })).toEqual({ name: 'rel-2', started: false });
    await runner.waitFor('rel-2');
    expect(() => runner.start({ releaseId: 'rel-2', intervalSeconds: 5 })).toThrow(/already exists/);
  });

  it('takes the task ARN by substitution, and every Wait reads the input', () => {
    const json = JSON.stringify(releaseDefinitionFor('arn:aws:lambda:eu-west-1:1:function:task'));
    expect(json).not.toContain('${ReleaseTaskFunctionArn}');
    const waits = Object.values(releaseStateMachineDefinition().States).filter((s) => s.Type === 'Wait');
    expect(waits.every((w) => w.SecondsPath === '$.intervalSeconds')).toBe(true);
  });
});
