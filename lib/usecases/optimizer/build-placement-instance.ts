import { LABELS, MANAGED_BY } from '../../mesh/labels.js';
import type { ServiceRecord } from '../../model/records.js';
import type { NodeInfo, PodInfo } from '../../ports/cluster-client.js';
import { mergeTraffic, type ObservedCall } from '../../placement/traffic.js';
import type { Assignment, PlacementInstanceInput } from '../../placement/model.js';

export interface PlacementSnapshot {
  instance: PlacementInstanceInput;
  /** Where every modelled replica runs now, fixed services included. */
  current: Assignment;
  /** Services left where they are (a rollout is running, or pods are not all placed): fixed pins in the instance. */
  frozen: { service: string; reason: string }[];
}

/**
 * The placement problem for one cluster, from stored specs and the live cluster (pure). Services in the
 * middle of a rollout, or whose pods are not all running, are frozen: they enter the instance as fixed
 * services (`fixed: true`, one replica per bound pod on a Ready node, canary pods included) so the
 * traffic to and from them still attracts their partners, but they never move. Everything else that runs
 * on a node (pods meshplane does not own) takes capacity away. Node risk is left at 0: meshplane keeps
 * no per-node failure-rate estimate (lib/health records node loss as audit evidence only).
 */
export function buildPlacementInstance(
  services: ServiceRecord[],
  nodes: NodeInfo[],
  pods: PodInfo[],
  options: {
    migrationCost: number;
    /** Largest fraction of a service's replicas on one node (default 1/3); a spec's `availability.maxPerNode` wins. */
    maxNodeShare?: number;
    /** Observed call rates; they replace the declared rate of each pair they cover. */ observed?: readonly ObservedCall[];
  },
): PlacementSnapshot {
  const frozen: PlacementSnapshot['frozen'] = [];
  const current: Assignment = {};
  const movable: ServiceRecord[] = [];
  const used = new Map<string, { cpu: number; memory: number }>();
  const take = (node: string, cpu: number, memory: number) => {
    const u = used.get(node) ?? { cpu: 0, memory: 0 };
    used.set(node, { cpu: u.cpu + cpu, memory: u.memory + memory });
  };
  const byName = new Map(services.map((s) => [s.name, s]));

  const readyNodes = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  for (const s of services) {
    const stable = pods.filter(
      (p) => p.labels[LABELS.service] === s.name && (p.labels[LABELS.track] ?? 'stable') === 'stable' && p.node && p.phase === 'Running',
    );
    if (s.traffic) frozen.push({ service: s.name, reason: `rollout ${s.traffic.deploymentId} is running` });
    else if (stable.length !== s.spec.replicas) frozen.push({ service: s.name, reason: `${stable.length} of ${s.spec.replicas} pods are placed` });
    else if (stable.some((p) => !readyNodes.has(p.node!))) frozen.push({ service: s.name, reason: 'some pods run on a node that is not ready' });
    else {
      movable.push(s);
      current[s.name] = stable.map((p) => p.node!).sort();
    }
  }
  const movableNames = new Set(movable.map((s) => s.name));
  // Frozen services stay in the model as fixed pins: every bound, live pod on a Ready node is a replica.
  const fixed: { record: ServiceRecord; nodes: string[] }[] = [];
  for (const f of frozen) {
    const record = byName.get(f.service)!;
    const onNodes = pods
      .filter((p) => p.labels[LABELS.service] === record.name && p.node && readyNodes.has(p.node) && p.phase !== 'Succeeded' && p.phase !== 'Failed')
      .map((p) => p.node!)
      .sort();
    if (onNodes.length > 0) {
      fixed.push({ record, nodes: onNodes });
      current[record.name] = onNodes;
    }
  }
  const fixedNames = new Set(fixed.map((f) => f.record.name));
  const fixedUse = new Map<string, { cpu: number; memory: number }>();
  for (const f of fixed)
    for (const n of f.nodes) {
      const u = fixedUse.get(n) ?? { cpu: 0, memory: 0 };
      fixedUse.set(n, { cpu: u.cpu + f.record.spec.resources.cpu, memory: u.memory + f.record.spec.resources.memory });
    }
  for (const p of pods) {
    if (!p.node || p.phase === 'Succeeded' || p.phase === 'Failed') continue;
    const owner = p.labels[LABELS.service];
    const isMovable = owner && movableNames.has(owner) && (p.labels[LABELS.track] ?? 'stable') === 'stable';
    if (isMovable || (owner && fixedNames.has(owner) && readyNodes.has(p.node))) continue;
    const spec = owner ? byName.get(owner)?.spec : undefined;
    // Pods meshplane does not own are assumed to use little; meshplane's use their requests.
    take(p.node, spec?.resources.cpu ?? (p.labels[LABELS.managedBy] === MANAGED_BY ? 100 : 50), spec?.resources.memory ?? 64);
  }
  // A node always has room for the fixed pods it runs (estimates of other pods' use may say otherwise).
  const room = (node: NodeInfo, key: 'cpu' | 'memory', allocatable: number): number =>
    Math.max(0, allocatable - (used.get(node.name)?.[key] ?? 0), fixedUse.get(node.name)?.[key] ?? 0);

  const instance: PlacementInstanceInput = {
    services: [
      ...movable.map((s) => ({
        name: s.name,
        replicas: s.spec.replicas,
        cpu: s.spec.resources.cpu,
        memory: s.spec.resources.memory,
        ...(s.placement?.avoidNodes?.length ? { excludedNodes: s.placement.avoidNodes } : {}),
        ...(s.spec.availability?.maxPerNode !== undefined ? { maxPerNode: s.spec.availability.maxPerNode } : {}),
      })),
      ...fixed.map(({ record, nodes: on }) => ({
        name: record.name,
        replicas: on.length,
        cpu: record.spec.resources.cpu,
        memory: record.spec.resources.memory,
        fixed: true,
      })),
    ],
    nodes: nodes
      .filter((n) => n.ready)
      .map((n) => ({
        id: n.name,
        zone: n.zone,
        cpu: room(n, 'cpu', n.allocatableCpuMillis),
        memory: room(n, 'memory', n.allocatableMemoryMiB),
      })),
    traffic: mergeTraffic(
      [...movable, ...fixed.map((f) => f.record)].map((s) => ({ name: s.name, dependencies: s.spec.dependencies })),
      options.observed,
    ).edges,
    migrationCost: options.migrationCost,
    ...(options.maxNodeShare !== undefined ? { availability: { maxNodeShare: options.maxNodeShare } } : {}),
    current,
  };
  return { instance, current, frozen };
}
