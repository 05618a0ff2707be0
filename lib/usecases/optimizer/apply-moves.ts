/**
 * Applies planned moves one pod at a time. For each move, in plan order (each intermediate state keeps
 * capacity, zone spread and the node limit): label the target node as the service's move target, evict
 * the one pod on the source node through the Eviction API (its PodDisruptionBudget decides whether now
 * is safe), wait until the replacement pod is Ready, and take the label off again. The pod template is
 * never edited, so no other pod of the service restarts. The stable template prefers the labelled node
 * (moveTargetPreference), so the replacement lands there unless the scheduler finds it unfit; where it
 * landed is reported.
 */
import { LABELS } from '../../mesh/labels.js';
import { MOVE_TARGET_VALUE, moveTargetLabel } from '../../mesh/pod-scheduling.js';
import type { ClusterClient, PodInfo } from '../../ports/cluster-client.js';
import type { PlannedMove } from '../../placement/move-plan.js';

export type MoveOutcome =
  /** The pod was evicted and its replacement is Ready on the planned node. */
  | 'moved'
  /** The pod was evicted and its replacement is Ready, on another node than planned. */
  | 'landedElsewhere'
  /** The PodDisruptionBudget refused the eviction (another pod of the service is not Ready). */
  | 'blocked'
  /** No running pod of the service is on the source node any more. */
  | 'gone'
  /** The pod was evicted but no replacement was Ready before the deadline. */
  | 'notReplaced'
  /** Not tried: an earlier move of the service did not complete, or the time ran out. */
  | 'skipped';

export interface AppliedMove extends PlannedMove {
  outcome: MoveOutcome;
  /** The evicted pod. */
  pod?: string;
  /** Node of the replacement pod. */
  landedOn?: string;
}

export interface ApplyMovesOptions {
  /** Epoch ms after which no new move starts and waiting stops. */
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Poll interval while waiting for a replacement (default 250 ms). */
  pollMs?: number;
  /** Services whose record forbids moving them now (a rollout started meanwhile). */
  mayMove?: (service: string) => Promise<boolean>;
}

const isStable = (p: PodInfo): boolean => (p.labels[LABELS.track] ?? 'stable') === 'stable';

/** Applies `moves` in order; `namespaceOf` gives each service's namespace. */
export async function applyMoves(
  client: ClusterClient,
  moves: readonly PlannedMove[],
  namespaceOf: (service: string) => string,
  options: ApplyMovesOptions,
): Promise<AppliedMove[]> {
  const out: AppliedMove[] = [];
  const stopped = new Set<string>();
  const allowed = new Map<string, boolean>();
  for (const move of moves) {
    if (stopped.has(move.service) || options.now() > options.deadline) {
      out.push({ ...move, outcome: 'skipped' });
      continue;
    }
    if (!allowed.has(move.service)) allowed.set(move.service, options.mayMove ? await options.mayMove(move.service) : true);
    if (!allowed.get(move.service)) {
      stopped.add(move.service);
      out.push({ ...move, outcome: 'skipped' });
      continue;
    }
    const result = await applyOne(client, move, namespaceOf(move.service), options);
    if (result.outcome !== 'moved' && result.outcome !== 'landedElsewhere') stopped.add(move.service);
    out.push(result);
  }
  return out;
}

async function applyOne(client: ClusterClient, move: PlannedMove, namespace: string, options: ApplyMovesOptions): Promise<AppliedMove> {
  const selector = `${LABELS.service}=${move.service}`;
  const before = (await client.listPods(namespace, selector)).filter(isStable);
  const pod = before.find((p) => p.node === move.fromNode && p.phase === 'Running');
  if (!pod) return { ...move, outcome: 'gone' };
  const label = moveTargetLabel(move.service);
  await client.labelNode(move.toNode, { [label]: MOVE_TARGET_VALUE });
  try {
    const eviction = await client.evictPod(namespace, pod.name);
    if (eviction !== 'evicted') return { ...move, outcome: eviction, pod: pod.name };
    const known = new Set(before.map((p) => p.name));
    for (;;) {
      const replacement = (await client.listPods(namespace, selector)).find((p) => isStable(p) && !known.has(p.name) && p.node && p.ready);
      if (replacement) return { ...move, outcome: replacement.node === move.toNode ? 'moved' : 'landedElsewhere', pod: pod.name, landedOn: replacement.node };
      if (options.now() > options.deadline) return { ...move, outcome: 'notReplaced', pod: pod.name };
      await options.sleep(options.pollMs ?? 250);
    }
  } finally {
    await client.labelNode(move.toNode, { [label]: null });
  }
}
