/** The rollout view's waves (browser code, pure): each wave's steps, state and bake from the deployment record. */
import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStep } from '../../dashboard/src/api.js';
import { bakeText, stepState, waveViews } from '../../dashboard/src/rollout-waves.js';

const step = (index: number, weight: number, verdict?: DeploymentStep['verdict'], finished = true): DeploymentStep => ({
  index,
  weight,
  startedAt: `2030-01-01T00:0${index}:00.000Z`,
  ...(finished ? { finishedAt: `2030-01-01T00:0${index}:30.000Z` } : {}),
  ...(verdict ? { verdict } : {}),
});

describe('waveViews', () => {
  it('gives a passed wave its own steps and the wave under way the deployment steps; later waves none', () => {
    const first = [step(0, 25, 'pass'), step(1, 100, 'pass')];
    const d: Pick<Deployment, 'waves' | 'currentWave' | 'steps'> = {
      currentWave: 1,
      steps: [step(0, 25, 'inconclusive', false)],
      waves: [
        {
          index: 0,
          clusters: ['local'],
          status: 'released',
          startedAt: '2030-01-01T00:00:00.000Z',
          passedAt: '2030-01-01T00:01:30.000Z',
          releasedAt: '2030-01-01T00:02:30.000Z',
          steps: first,
          bake: { analyses: 3, observedSeconds: 60, verdict: 'pass' },
        },
        { index: 1, clusters: ['local-2', 'local-3'], status: 'running', startedAt: '2030-01-01T00:02:31.000Z' },
        { index: 2, clusters: ['local-4'], status: 'pending' },
      ],
    };
    const waves = waveViews(d, 60);
    expect(waves.map((w) => [w.index, w.state, w.current, w.steps.length])).toEqual([
      [0, 'pass', false, 2],
      [1, 'active', true, 1],
      [2, 'todo', false, 0],
    ]);
    expect(waves[0]).toMatchObject({ stepsSeconds: 90, bakedSeconds: 60, clusters: ['local'] });
    expect(waves[1].steps).toBe(d.steps);
    expect(waves.map(bakeText)).toEqual(['baked 60 s (3 analyses)', 'bakes 60 s', 'bakes 60 s']);
  });

  it('shows a bake under way, a failed bake and no bake in words', () => {
    const base = { bakedSeconds: undefined };
    expect(bakeText({ ...base, state: 'baking', bakeSeconds: 120, bake: { analyses: 1, observedSeconds: 20 } })).toBe('baking: 20 of 120 s, 1 analysis');
    expect(bakeText({ ...base, state: 'baking', bakeSeconds: 120 })).toBe('baking: 0 of 120 s');
    expect(bakeText({ ...base, state: 'fail', bakeSeconds: 120, bake: { analyses: 2, observedSeconds: 40, verdict: 'fail' } })).toBe(
      'bake failed after 40 s (2 analyses)',
    );
    expect(bakeText({ ...base, state: 'pass', bakeSeconds: 0 })).toBe('no bake');
  });

  it('is empty for a deployment in one cluster, and marks the rolled-back wave under way as failed', () => {
    expect(waveViews({ steps: [step(0, 10)] })).toEqual([]);
    const waves = waveViews({
      currentWave: 0,
      steps: [step(0, 25, 'fail')],
      waves: [
        { index: 0, clusters: ['a'], status: 'rolledBack', startedAt: '2030-01-01T00:00:00.000Z' },
        { index: 1, clusters: ['b'], status: 'pending' },
      ],
    });
    expect(waves.map((w) => [w.state, w.steps.map(stepState)])).toEqual([
      ['fail', ['fail']],
      ['todo', []],
    ]);
  });
});

describe('stepState', () => {
  it('is fail, pass, active or todo', () => {
    expect([stepState(step(0, 1, 'fail')), stepState(step(0, 1, 'pass')), stepState(step(0, 1, undefined, false)), stepState(undefined)]).toEqual([
      'fail',
      'pass',
      'active',
      'todo',
    ]);
  });
});
