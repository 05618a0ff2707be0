/**
 * Pod placement as kube-scheduler does it, reduced to what the simulation needs. Pure: given a pod,
 * the nodes and the pods already bound, it returns the chosen node or why none fits.
 *
 * Filters (in kube-scheduler's order): node unschedulable/not ready, nodeSelector and required node
 * affinity, CPU/memory requests vs allocatable, topology spread constraints with DoNotSchedule.
 * Scores: least allocated (weight 1), preferred node affinity (weight 2), ScheduleAnyway topology spread
 * (weight 2), each normalised to 0..100. Ties go to the node whose name sorts first.
 */
import { matchesLabelSelector, type LabelSelectorSpec } from './selectors.js';

/** A node as the scheduler sees it. */
export interface SchedulingNode {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
  /** `spec.unschedulable` (cordoned). */
  unschedulable?: boolean;
  allocatableCpuMillis: number;
  allocatableMemoryMiB: number;
}

/** A pod already bound to a node. */
export interface BoundPod {
  namespace: string;
  labels: Record<string, string>;
  nodeName: string;
  cpuMillis: number;
  memoryMiB: number;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: LabelSelectorSpec;
  /** Kubernetes default 'Ignore': nodes are counted as domains whatever their taints (not-ready nodes too). */
  nodeTaintsPolicy?: 'Honor' | 'Ignore';
}

/** The scheduling-relevant part of a pod. */
export interface PodSchedulingSpec {
  namespace: string;
  labels: Record<string, string>;
  cpuMillis: number;
  memoryMiB: number;
  nodeSelector?: Record<string, string>;
  requiredNodeTerms?: NodeSelectorTerm[];
  preferredNodeTerms?: { weight: number; preference: NodeSelectorTerm }[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /**
   * Apply kube-scheduler's system default spreading (ScheduleAnyway: hostname maxSkew 3, zone maxSkew 5,
   * over pods with the same labels) when the pod declares no constraints. Kubernetes does this for
   * pods owned by a controller.
   */
  defaultSpreading?: boolean;
}

/** kube-scheduler's system default topology spread constraints for a pod with these labels. */
export function systemDefaultConstraints(labels: Record<string, string>): TopologySpreadConstraint[] {
  return [
    { maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
    { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
  ];
}

/** Where the pod goes, or why it cannot go anywhere (kube-scheduler's FailedScheduling message). */
export type SchedulingDecision = { nodeName: string; score: number } | { nodeName?: undefined; message: string };

const WEIGHTS = { leastAllocated: 1, nodeAffinity: 2, topologySpread: 2 } as const;

function matchesRequirement(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(value);
    case 'NotIn':
      return !has || !(req.values ?? []).includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(value) > Number(req.values?.[0]);
    case 'Lt':
      return has && Number(value) < Number(req.values?.[0]);
    default:
      return false;
  }
}

/** A term matches when all its expressions do (an empty term matches nothing, as in Kubernetes). */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  return exprs.length > 0 && exprs.every((e) => matchesRequirement(e, labels));
}

/** nodeSelector plus required node affinity (terms are ORed). */
export function matchesNodeAffinity(pod: PodSchedulingSpec, node: SchedulingNode): boolean {
  if (pod.nodeSelector && !Object.entries(pod.nodeSelector).every(([k, v]) => node.labels[k] === v)) return false;
  if (pod.requiredNodeTerms && pod.requiredNodeTerms.length > 0) return pod.requiredNodeTerms.some((t) => matchesNodeSelectorTerm(t, node.labels));
  return true;
}

/** Pods per topology domain for one constraint, over the nodes eligible for the pod. */
function domainCounts(pod: PodSchedulingSpec, c: TopologySpreadConstraint, nodes: SchedulingNode[], bound: BoundPod[]): Map<string, number> {
  const counts = new Map<string, number>();
  const domainOf = new Map<string, string>();
  for (const node of nodes) {
    const domain = node.labels[c.topologyKey];
    if (domain === undefined || !matchesNodeAffinity(pod, node)) continue;
    if (c.nodeTaintsPolicy === 'Honor' && (!node.ready || node.unschedulable)) continue;
    domainOf.set(node.name, domain);
    if (!counts.has(domain)) counts.set(domain, 0);
  }
  for (const p of bound) {
    const domain = domainOf.get(p.nodeName);
    if (domain === undefined || p.namespace !== pod.namespace) continue;
    if (matchesLabelSelector(c.labelSelector, p.labels)) counts.set(domain, (counts.get(domain) ?? 0) + 1);
  }
  return counts;
}

function usage(bound: BoundPod[]): Map<string, { cpu: number; memory: number }> {
  const used = new Map<string, { cpu: number; memory: number }>();
  for (const p of bound) {
    const u = used.get(p.nodeName) ?? { cpu: 0, memory: 0 };
    u.cpu += p.cpuMillis;
    u.memory += p.memoryMiB;
    used.set(p.nodeName, u);
  }
  return used;
}

/** Scales raw scores to 0..100; `lowerIsBetter` flips the scale. All-equal scores get 100. */
function normalise(raw: Map<string, number>, lowerIsBetter: boolean): Map<string, number> {
  const values = [...raw.values()];
  const max = Math.max(...values);
  const min = Math.min(...values);
  const out = new Map<string, number>();
  for (const [name, v] of raw) {
    if (max === min) out.set(name, lowerIsBetter || max > 0 ? 100 : 0);
    else out.set(name, lowerIsBetter ? ((max - v) / (max - min)) * 100 : ((v - min) / (max - min)) * 100);
  }
  return out;
}

/** Chooses a node for `pod`. */
export function schedulePod(pod: PodSchedulingSpec, nodes: readonly SchedulingNode[], bound: readonly BoundPod[]): SchedulingDecision {
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const used = usage([...bound]);
  const declared = pod.topologySpreadConstraints ?? [];
  const constraints = declared.length === 0 && pod.defaultSpreading ? systemDefaultConstraints(pod.labels) : declared;
  const hard = constraints.filter((c) => c.whenUnsatisfiable !== 'ScheduleAnyway');
  const soft = constraints.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
  const hardCounts = hard.map((c) => domainCounts(pod, c, sorted, [...bound]));
  const reasons = new Map<string, number>();
  const fail = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);

  const feasible = sorted.filter((node) => {
    if (node.unschedulable) return (fail('node(s) were unschedulable'), false);
    if (!node.ready) return (fail('node(s) were not ready'), false);
    if (!matchesNodeAffinity(pod, node)) return (fail("node(s) didn't match Pod's node affinity/selector"), false);
    const u = used.get(node.name) ?? { cpu: 0, memory: 0 };
    const noCpu = u.cpu + pod.cpuMillis > node.allocatableCpuMillis;
    const noMemory = u.memory + pod.memoryMiB > node.allocatableMemoryMiB;
    if (noCpu) fail('Insufficient cpu');
    if (noMemory) fail('Insufficient memory');
    if (noCpu || noMemory) return false;
    const violates = hard.some((c, i) => {
      const domain = node.labels[c.topologyKey];
      const counts = hardCounts[i];
      if (domain === undefined || !counts.has(domain)) return true;
      const self = matchesLabelSelector(c.labelSelector, pod.labels) ? 1 : 0;
      return (counts.get(domain) as number) + self - Math.min(...counts.values()) > c.maxSkew;
    });
    if (violates) return (fail("node(s) didn't match pod topology spread constraints"), false);
    return true;
  });

  if (feasible.length === 0) {
    const detail = [...reasons]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    return { message: `0/${nodes.length} nodes are available${detail ? `: ${detail}` : ''}.` };
  }

  const leastAllocated = new Map<string, number>();
  const affinity = new Map<string, number>();
  const spread = new Map<string, number>();
  const softCounts = soft.map((c) => domainCounts(pod, c, sorted, [...bound]));
  for (const node of feasible) {
    const u = used.get(node.name) ?? { cpu: 0, memory: 0 };
    const cpuFree = node.allocatableCpuMillis > 0 ? (node.allocatableCpuMillis - u.cpu - pod.cpuMillis) / node.allocatableCpuMillis : 0;
    const memFree = node.allocatableMemoryMiB > 0 ? (node.allocatableMemoryMiB - u.memory - pod.memoryMiB) / node.allocatableMemoryMiB : 0;
    leastAllocated.set(node.name, ((cpuFree + memFree) / 2) * 100);
    affinity.set(
      node.name,
      (pod.preferredNodeTerms ?? []).reduce((sum, t) => sum + (matchesNodeSelectorTerm(t.preference, node.labels) ? t.weight : 0), 0),
    );
    spread.set(
      node.name,
      soft.reduce((sum, c, i) => sum + (softCounts[i].get(node.labels[c.topologyKey]) ?? 0), 0),
    );
  }
  const affinityScore = normalise(affinity, false);
  const spreadScore = normalise(spread, true);
  let best: { nodeName: string; score: number } | undefined;
  for (const node of feasible) {
    const score =
      WEIGHTS.leastAllocated * (leastAllocated.get(node.name) as number) +
      WEIGHTS.nodeAffinity * (affinityScore.get(node.name) as number) +
      WEIGHTS.topologySpread * (spreadScore.get(node.name) as number);
    if (!best || score > best.score + 1e-9) best = { nodeName: node.name, score };
  }
  return best as { nodeName: string; score: number };
}
