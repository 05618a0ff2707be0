/**
 * Turns a target placement into at most K replica moves that can be applied one by one. Each move
 * must leave a valid state (the target node has room, the service may run there, zone spread still
 * holds), and the moves that cut the most cost go first. Replicas are interchangeable, so the target
 * is first aligned with the source to need as few moves as possible.
 */
import { ValidationError } from '../errors.js';
import { alignToReference, asCompiled, toNodeVector, type CompiledInstance } from './compiled-instance.js';
import { evaluateVector, type CostBreakdown } from './cost.js';
import type { Assignment } from './model.js';
import { MoveEvaluator } from './move-evaluator.js';
import { PlacementState } from './placement-state.js';
import type { Solver } from './solver.js';

export interface PlannedMove {
  service: string;
  replicaIndex: number;
  fromNode: string;
  toNode: string;
  /** Change in total cost caused by this move, given the moves before it. */
  costDelta: number;
}

export interface MovePlan {
  moves: PlannedMove[];
  before: CostBreakdown;
  after: CostBreakdown;
  /** The placement once `moves` are applied (replica indices as in `from`). */
  assignment: Assignment;
  /** Moves towards the target that were not planned (move limit reached, or blocked). */
  remaining: number;
  /** Of those, moves that no valid order could make (e.g. two replicas that must trade full nodes). */
  blocked: number;
}

/**
 * Plans at most `maxMoves` moves from `from` towards `to`. The plan is the prefix of the greedy
 * sequence with the lowest total cost, so `after.total <= before.total` always.
 */
export function planMoves(instance: Parameters<Solver['solve']>[0], from: Assignment, to: Assignment, maxMoves: number): MovePlan {
  if (!Number.isInteger(maxMoves) || maxMoves < 0) throw new ValidationError([{ path: 'maxMoves', message: 'must be a non-negative integer' }]);
  const c = asCompiled(instance);
  const start = toNodeVector(c, from);
  toNodeVector(c, to); // validates names and lengths
  const alignedTarget = toNodeVector(c, alignTarget(c, from, to));

  const state = PlacementState.from(c, start);
  const evaluator = new MoveEvaluator(state);
  const pending = new Set<number>();
  for (let r = 0; r < c.replicaCount; r++) if (start[r] !== alignedTarget[r]) pending.add(r);

  const before = evaluateVector(c, start);
  const sequence: { r: number; from: number; delta: number }[] = [];
  let running = before.total;
  let bestPrefix = 0;
  let bestTotal = before.total;
  while (sequence.length < maxMoves && pending.size > 0) {
    let chosen = -1;
    let chosenDelta = Infinity;
    for (const r of pending) {
      const s = c.replicaService[r];
      const target = alignedTarget[r];
      const mask = c.allowed[s];
      if ((mask && !mask[target]) || !state.fits(s, target)) continue;
      if (!state.spreadKeptAfterMove(s, c.nodeZone[state.node[r]], c.nodeZone[target])) continue;
      const delta = evaluator.moveDelta(r, target);
      if (delta < chosenDelta - 1e-12 || (Math.abs(delta - chosenDelta) <= 1e-12 && r < chosen)) {
        chosen = r;
        chosenDelta = delta;
      }
    }
    if (chosen < 0) break;
    sequence.push({ r: chosen, from: state.node[chosen], delta: chosenDelta });
    state.move(chosen, alignedTarget[chosen]);
    pending.delete(chosen);
    running += chosenDelta;
    if (running < bestTotal - 1e-9) {
      bestTotal = running;
      bestPrefix = sequence.length;
    }
  }
  const blocked = sequence.length < maxMoves ? pending.size : 0;
  const planned = sequence.slice(0, bestPrefix);
  const vector = start.slice();
  for (const step of planned) vector[step.r] = alignedTarget[step.r];

  const names = (s: number): string => c.instance.services[s].name;
  const assignment: Assignment = {};
  for (let s = 0; s < c.serviceCount; s++)
    assignment[names(s)] = Array.from(vector.subarray(c.replicaStart[s], c.replicaStart[s + 1]), (n) => c.instance.nodes[n].id);
  return {
    moves: planned.map((step) => {
      const s = c.replicaService[step.r];
      return {
        service: names(s),
        replicaIndex: step.r - c.replicaStart[s],
        fromNode: c.instance.nodes[step.from].id,
        toNode: c.instance.nodes[alignedTarget[step.r]].id,
        costDelta: step.delta,
      };
    }),
    before,
    after: evaluateVector(c, vector),
    assignment,
    remaining: pending.size + (sequence.length - bestPrefix),
    blocked,
  };
}

function alignTarget(c: CompiledInstance, from: Assignment, to: Assignment): Assignment {
  const out: Assignment = {};
  for (const svc of c.instance.services) out[svc.name] = alignToReference(to[svc.name] ?? [], from[svc.name] ?? []);
  return out;
}
