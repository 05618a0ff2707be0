/** Where a service's pods may and should run: zone/host spreading and the optimizer's node affinity. */
import { LABELS, type Track } from './labels.js';
import type { Placement } from './render-context.js';

export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
export const HOSTNAME_TOPOLOGY_KEY = 'kubernetes.io/hostname';

/**
 * The availability rule the placement optimizer keeps, as hard scheduling constraints, so the
 * scheduler keeps it too (on scale-ups, node failures and the optimizer's one-pod moves):
 * - zone: `maxSkew: 1`, `ScheduleAnyway` (a scoring preference; the optimizer itself keeps "≥ 2 replicas
 *   span ≥ 2 zones");
 * - hostname: `maxSkew: maxPerNode`, `DoNotSchedule`: while some eligible node holds none of the pods,
 *   no node may hold more than `maxPerNode` (a node loss takes at most that many).
 * The soft zone score can outweigh the preference that steers a moved pod to its target node (see
 * moveTargetPreference), so a replacement may land elsewhere (reported as `landedElsewhere`). The hostname rule relaxes by themselves in small clusters
 * (the skew is measured against the least-loaded eligible domain), and `nodeTaintsPolicy: Honor` leaves
 * cordoned and not-ready nodes out of the count, so a node or zone failure does not leave replacement
 * pods Pending.
 *
 * `matchLabelKeys: [pod-template-hash]` counts only pods of the same ReplicaSet, so during a rolling
 * update the old pods do not skew where the new ones go.
 */
export function topologySpreadConstraints(service: string, track: Track, replicas: number, maxPerNode: number): Record<string, unknown>[] {
  // A fresh selector per constraint: a shared object would be written as a YAML alias.
  const constraint = (topologyKey: string, maxSkew: number) => ({
    maxSkew,
    topologyKey,
    whenUnsatisfiable: 'DoNotSchedule',
    labelSelector: { matchLabels: { [LABELS.app]: service, [LABELS.track]: track } },
    matchLabelKeys: ['pod-template-hash'],
    nodeTaintsPolicy: 'Honor',
  });
  // Zone: a soft preference (maxSkew 1). A hard zone constraint (maxSkew replicas − 1) would let the move-target
  // preference win, but it slowed scheduling badly on a full simulated cluster (optimizer e2e); kept soft until that is understood.
  void replicas;
  return [{ ...constraint(ZONE_TOPOLOGY_KEY, 1), whenUnsatisfiable: 'ScheduleAnyway' }, constraint(HOSTNAME_TOPOLOGY_KEY, maxPerNode)];
}

/**
 * Node label the placement optimizer sets, for the duration of one move, on the node a service's
 * evicted pod should be replaced on (value {@link MOVE_TARGET_VALUE}). The stable pod template prefers
 * nodes carrying it, so a move changes node labels and evicts one pod instead of editing the template
 * (which would restart every pod of the service).
 */
export function moveTargetLabel(service: string): string {
  return `placement.meshplane.io/${service}`;
}
export const MOVE_TARGET_VALUE = 'next';

/** The preferred scheduling term that steers a replacement pod towards its move's target node. */
export function moveTargetPreference(service: string): { weight: number; preference: Record<string, unknown> } {
  return { weight: 100, preference: { matchExpressions: [{ key: moveTargetLabel(service), operator: 'In', values: [MOVE_TARGET_VALUE] }] } };
}

const onNodes = (nodes: string[]) => ({ matchExpressions: [{ key: HOSTNAME_TOPOLOGY_KEY, operator: 'In', values: nodes }] });

/**
 * The pod `affinity` for a placement, or `undefined` when it pins nothing. Required nodes become one
 * node selector term (an empty `In` list would be rejected, so none is rendered); each preferred node
 * becomes a weighted preference. Nodes are sorted so the output does not depend on input order.
 */
export function nodeAffinity(
  placement: Placement | undefined,
  extraPreferences: { weight: number; preference: Record<string, unknown> }[] = [],
): Record<string, unknown> | undefined {
  const required = [...new Set(placement?.requiredNodes ?? [])].sort();
  const avoided = [...new Set(placement?.avoidNodes ?? [])].sort();
  const preferred = [...(placement?.preferredNodes ?? [])].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  if (required.length === 0 && avoided.length === 0 && preferred.length === 0 && extraPreferences.length === 0) return undefined;
  // Both go in one term: its expressions are ANDed (separate terms would be ORed).
  const term = {
    matchExpressions: [
      ...(required.length > 0 ? onNodes(required).matchExpressions : []),
      ...(avoided.length > 0 ? [{ key: HOSTNAME_TOPOLOGY_KEY, operator: 'NotIn', values: avoided }] : []),
    ],
  };
  return {
    nodeAffinity: {
      ...(term.matchExpressions.length > 0 ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } : {}),
      ...(preferred.length + extraPreferences.length > 0
        ? {
            preferredDuringSchedulingIgnoredDuringExecution: [
              ...preferred.map((p) => ({ weight: p.weight, preference: onNodes([p.node]) })),
              ...extraPreferences,
            ],
          }
        : {}),
    },
  };
}
