/**
 * A multi-cluster deployment's waves as the rollout view shows them (pure): each wave with its clusters,
 * status, steps and bake, from the deployment record (`waves`, `currentWave`, and `steps`, which hold the
 * steps of the wave under way only; a passed wave keeps its own copy).
 */
import type { Deployment, DeploymentStep, DeploymentWave } from './api.js';

/** How a wave is drawn: not begun, its steps under way, baking, released, or rolled back. */
export type WaveState = 'todo' | 'active' | 'baking' | 'pass' | 'fail';

export interface WaveView {
  index: number;
  clusters: string[];
  status: DeploymentWave['status'];
  state: WaveState;
  /** The wave under way (or the one that was when the deployment ended). */
  current: boolean;
  steps: DeploymentStep[];
  startedAt?: string;
  passedAt?: string;
  releasedAt?: string;
  /** Seconds its clusters bake after its steps (the policy's `bakeSeconds`); 0: no bake. */
  bakeSeconds: number;
  bake?: DeploymentWave['bake'];
  /** Seconds from its start to its last step passing, and from then to its release (what was measured). */
  stepsSeconds?: number;
  bakedSeconds?: number;
}

const STATE: Record<DeploymentWave['status'], WaveState> = { pending: 'todo', running: 'active', baking: 'baking', released: 'pass', rolledBack: 'fail' };

const seconds = (from?: string, to?: string) => (from && to ? Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000)) : undefined);

/**
 * @example waveViews({ waves: [{ index: 0, clusters: ['a'], status: 'released', steps: [s0, s1], … }, { index: 1, clusters: ['b'], status: 'running' }],
 *   currentWave: 1, steps: [t0], … }, 60)
 * // [{ index: 0, state: 'pass', steps: [s0, s1], current: false, … }, { index: 1, state: 'active', steps: [t0], current: true, … }]
 */
export function waveViews(d: Pick<Deployment, 'waves' | 'currentWave' | 'steps'>, bakeSeconds = 0): WaveView[] {
  return (d.waves ?? []).map((w) => {
    const current = w.index === (d.currentWave ?? 0);
    return {
      index: w.index,
      clusters: w.clusters,
      status: w.status,
      state: STATE[w.status] ?? 'todo',
      current,
      // A passed wave keeps a copy of its steps; the wave under way has them in the deployment's steps.
      steps: w.steps ?? (current && w.status !== 'pending' ? d.steps : []),
      startedAt: w.startedAt,
      passedAt: w.passedAt,
      releasedAt: w.releasedAt,
      bakeSeconds,
      bake: w.bake,
      stepsSeconds: seconds(w.startedAt, w.passedAt),
      bakedSeconds: seconds(w.passedAt, w.releasedAt),
    };
  });
}

/** The state of one step chip: failed, passed (finished), under analysis, or not begun. */
export function stepState(step: DeploymentStep | undefined): 'fail' | 'pass' | 'active' | 'todo' {
  return step?.verdict === 'fail' ? 'fail' : step?.finishedAt ? 'pass' : step ? 'active' : 'todo';
}

/** The bake of a wave in words: `bakes 60 s`, `baking: 20 of 60 s, 2 analyses`, `baked 60 s (3 analyses)`, `no bake`. */
export function bakeText(w: Pick<WaveView, 'bakeSeconds' | 'bake' | 'state' | 'bakedSeconds'>): string {
  if (w.bakeSeconds <= 0 && !w.bake) return 'no bake';
  const analyses = w.bake ? `${w.bake.analyses} ${w.bake.analyses === 1 ? 'analysis' : 'analyses'}` : undefined;
  if (w.state === 'baking') return `baking: ${w.bake?.observedSeconds ?? 0} of ${w.bakeSeconds} s${analyses ? `, ${analyses}` : ''}`;
  if (w.state === 'pass' && w.bake) return `baked ${w.bake.observedSeconds} s (${analyses})`;
  if (w.state === 'fail' && w.bake) return `bake failed after ${w.bake.observedSeconds} s (${analyses})`;
  return `bakes ${w.bakeSeconds} s`;
}
