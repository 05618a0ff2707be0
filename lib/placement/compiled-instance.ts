/**
 * The indexed form of an instance that the cost model and every solver work on: services and nodes
 * become integers, replicas are numbered 0..R-1 service by service, traffic becomes an undirected
 * adjacency list with one weight per replica pair. Building it checks every cross reference and
 * reports all problems at once.
 */
import { ValidationError, type Problem } from '../errors.js';
import { effectiveMaxPerNode } from './node-limit.js';
import {
  BYTES_PER_GB,
  DEFAULT_BYTES_PER_REQUEST,
  NETWORK_LEVELS,
  PlacementInstance,
  SECONDS_PER_MONTH,
  type Assignment,
  type PlacementInstanceInput,
} from './model.js';

/** Level index: 0 same node, 1 same zone, 2 cross zone, 3 cross cluster. */
export type LevelIndex = 0 | 1 | 2 | 3;

export interface CompiledInstance {
  readonly instance: PlacementInstance;
  readonly serviceCount: number;
  readonly nodeCount: number;
  readonly zoneCount: number;
  readonly clusterCount: number;
  readonly replicaCount: number;
  readonly serviceIndex: ReadonlyMap<string, number>;
  readonly nodeIndex: ReadonlyMap<string, number>;
  /** Replicas of service s are replicaStart[s] .. replicaStart[s+1]-1. */
  readonly replicaStart: Int32Array;
  /** Service of each replica. */
  readonly replicaService: Int32Array;
  readonly replicas: Int32Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly nodeCpu: Float64Array;
  readonly nodeMemory: Float64Array;
  readonly nodeRisk: Float64Array;
  /** Zone of each node; zones are (cluster, zone) pairs so equal zone names in two clusters differ. */
  readonly nodeZone: Int32Array;
  readonly nodeCluster: Int32Array;
  readonly zoneCluster: Int32Array;
  /** Nodes of each zone, ascending. */
  readonly zoneNodes: readonly Int32Array[];
  /** Per service: allowed[n] = 1 when the service may run on node n; null means every node. */
  readonly allowed: readonly (Uint8Array | null)[];
  /** Per service: the allowed nodes, ascending. */
  readonly allowedNodes: readonly Int32Array[];
  /** Per service: must its replicas span at least two zones? */
  readonly needsSpread: Uint8Array;
  /** Per service: most replicas on one node (the availability rule, see availability.ts). */
  readonly maxPerNode: Int32Array;
  /** Undirected traffic graph in CSR form: neighbours of s are adjService[adjStart[s] .. adjStart[s+1]-1]. */
  readonly adjStart: Int32Array;
  readonly adjService: Int32Array;
  /** Objective weight of one replica pair: pair weight / (replicas(a) × replicas(b)). */
  readonly adjPairWeight: Float64Array;
  /** Undirected edges (a < b) with their objective weight, rps and bytes per second, for reporting. */
  readonly edges: readonly ServiceEdge[];
  /** Objective distance per level (latency ms or $ per GB, per `instance.objective`). */
  readonly levelDistance: Float64Array;
  /** Objective units per moved replica (λ). */
  readonly migrationCost: number;
  readonly riskWeight: number;
  /** Per service: how many replicas run on each node now (sparse), or null without a current placement. */
  readonly currentCounts: readonly (Map<number, number> | null)[];
  /** Per service: replicas that can stay or move, min(replicas, current replicas). */
  readonly movableReplicas: Int32Array;
  /** Per service: for a `fixed` service, its replicas per node (the only placement allowed), else null. */
  readonly fixedCounts: readonly (Map<number, number> | null)[];
  /** Traffic by direction (caller → callee), merged per pair; routing decisions act on these. */
  readonly directedEdges: readonly DirectedEdge[];
}

export interface DirectedEdge {
  from: number;
  to: number;
  /** Objective weight: rps for `latency`, GB per month for `egress`. */
  weight: number;
  rps: number;
  bytesPerSecond: number;
}

export interface ServiceEdge {
  a: number;
  b: number;
  /** Objective weight: rps for `latency`, GB per month for `egress` (summed over both directions). */
  weight: number;
  rps: number;
  bytesPerSecond: number;
}

/** Validates an instance (zod, then cross references) and builds its indexed form. */
export function compileInstance(input: PlacementInstanceInput | PlacementInstance): CompiledInstance {
  const parsed = PlacementInstance.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      'the placement instance is not valid',
    );
  }
  const instance = parsed.data;
  const problems: Problem[] = [];

  const serviceIndex = new Map<string, number>();
  instance.services.forEach((s, i) => {
    if (serviceIndex.has(s.name)) problems.push({ path: `services.${i}.name`, message: `duplicate service "${s.name}"` });
    else serviceIndex.set(s.name, i);
  });
  const nodeIndex = new Map<string, number>();
  instance.nodes.forEach((n, i) => {
    if (nodeIndex.has(n.id)) problems.push({ path: `nodes.${i}.id`, message: `duplicate node "${n.id}"` });
    else nodeIndex.set(n.id, i);
  });

  const S = instance.services.length;
  const N = instance.nodes.length;
  const zoneKey = new Map<string, number>();
  const clusterKey = new Map<string, number>();
  const nodeZone = new Int32Array(N);
  const nodeCluster = new Int32Array(N);
  const zoneClusterList: number[] = [];
  const nodeCpu = new Float64Array(N);
  const nodeMemory = new Float64Array(N);
  const nodeRisk = new Float64Array(N);
  instance.nodes.forEach((n, i) => {
    let c = clusterKey.get(n.cluster);
    if (c === undefined) clusterKey.set(n.cluster, (c = clusterKey.size));
    const key = `${n.cluster}\u0000${n.zone}`;
    let z = zoneKey.get(key);
    if (z === undefined) {
      zoneKey.set(key, (z = zoneKey.size));
      zoneClusterList.push(c);
    }
    nodeZone[i] = z;
    nodeCluster[i] = c;
    nodeCpu[i] = n.cpu;
    nodeMemory[i] = n.memory;
    nodeRisk[i] = n.risk;
  });
  const Z = zoneKey.size;
  const zoneNodesList: number[][] = Array.from({ length: Z }, () => []);
  for (let n = 0; n < N; n++) zoneNodesList[nodeZone[n]].push(n);

  const replicas = new Int32Array(S);
  const cpu = new Float64Array(S);
  const memory = new Float64Array(S);
  const replicaStart = new Int32Array(S + 1);
  const allowed: (Uint8Array | null)[] = [];
  const allowedNodes: Int32Array[] = [];
  const needsSpread = new Uint8Array(S);
  const maxPerNode = new Int32Array(S);
  const allNodes = Int32Array.from({ length: N }, (_, i) => i);
  instance.services.forEach((s, i) => {
    replicas[i] = s.replicas;
    cpu[i] = s.cpu;
    memory[i] = s.memory;
    replicaStart[i + 1] = replicaStart[i] + s.replicas;
    let mask: Uint8Array | null = null;
    if (s.allowedNodes) {
      mask = new Uint8Array(N);
      s.allowedNodes.forEach((id, j) => {
        const n = nodeIndex.get(id);
        if (n === undefined) problems.push({ path: `services.${i}.allowedNodes.${j}`, message: `unknown node "${id}"` });
        else mask![n] = 1;
      });
    }
    if (s.excludedNodes && s.excludedNodes.length > 0) {
      mask ??= new Uint8Array(N).fill(1);
      s.excludedNodes.forEach((id, j) => {
        const n = nodeIndex.get(id);
        if (n === undefined) problems.push({ path: `services.${i}.excludedNodes.${j}`, message: `unknown node "${id}"` });
        else mask![n] = 0;
      });
    }
    allowed.push(mask);
    const list = mask ? allNodes.filter((n) => mask![n] === 1) : allNodes;
    allowedNodes.push(list);
    const zones = new Set<number>();
    for (const n of list) zones.add(nodeZone[n]);
    needsSpread[i] = s.replicas >= 2 && zones.size >= 2 ? 1 : 0;
    maxPerNode[i] = effectiveMaxPerNode(s.replicas, instance.availability.maxNodeShare, s.maxPerNode, list.length);
  });
  const R = replicaStart[S];
  const replicaService = new Int32Array(R);
  for (let s = 0; s < S; s++) replicaService.fill(s, replicaStart[s], replicaStart[s + 1]);

  // Merge both directions of each service pair into one undirected edge.
  const secondsToGB = SECONDS_PER_MONTH / BYTES_PER_GB;
  const edgeByPair = new Map<number, ServiceEdge>();
  const directedByPair = new Map<number, DirectedEdge>();
  instance.traffic.forEach((t, i) => {
    const a = serviceIndex.get(t.from);
    const b = serviceIndex.get(t.to);
    if (a === undefined) problems.push({ path: `traffic.${i}.from`, message: `unknown service "${t.from}"` });
    if (b === undefined) problems.push({ path: `traffic.${i}.to`, message: `unknown service "${t.to}"` });
    if (a === undefined || b === undefined) return;
    if (a === b) {
      problems.push({ path: `traffic.${i}`, message: `service "${t.from}" cannot send traffic to itself` });
      return;
    }
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = lo * S + hi;
    let edge = edgeByPair.get(key);
    if (!edge) edgeByPair.set(key, (edge = { a: lo, b: hi, weight: 0, rps: 0, bytesPerSecond: 0 }));
    const bytesPerSecond = t.rps * (t.bytesPerRequest ?? DEFAULT_BYTES_PER_REQUEST);
    edge.rps += t.rps;
    edge.bytesPerSecond += bytesPerSecond;
    edge.weight += instance.objective === 'latency' ? t.rps : bytesPerSecond * secondsToGB;
    let directed = directedByPair.get(a * S + b);
    if (!directed) directedByPair.set(a * S + b, (directed = { from: a, to: b, weight: 0, rps: 0, bytesPerSecond: 0 }));
    directed.rps += t.rps;
    directed.bytesPerSecond += bytesPerSecond;
    directed.weight += instance.objective === 'latency' ? t.rps : bytesPerSecond * secondsToGB;
  });
  const directedEdges = [...directedByPair.values()].filter((e) => e.weight > 0 && replicas[e.from] > 0 && replicas[e.to] > 0);
  directedEdges.sort((x, y) => x.from - y.from || x.to - y.to);
  const edges = [...edgeByPair.values()].filter((e) => e.weight > 0 && replicas[e.a] > 0 && replicas[e.b] > 0);
  edges.sort((x, y) => x.a - y.a || x.b - y.b);

  const degree = new Int32Array(S);
  for (const e of edges) {
    degree[e.a]++;
    degree[e.b]++;
  }
  const adjStart = new Int32Array(S + 1);
  for (let s = 0; s < S; s++) adjStart[s + 1] = adjStart[s] + degree[s];
  const fill = adjStart.slice(0, S);
  const adjService = new Int32Array(adjStart[S]);
  const adjPairWeight = new Float64Array(adjStart[S]);
  for (const e of edges) {
    const w = e.weight / (replicas[e.a] * replicas[e.b]);
    adjService[fill[e.a]] = e.b;
    adjPairWeight[fill[e.a]++] = w;
    adjService[fill[e.b]] = e.a;
    adjPairWeight[fill[e.b]++] = w;
  }

  const currentCounts: (Map<number, number> | null)[] = new Array(S).fill(null);
  const movableReplicas = new Int32Array(S);
  if (instance.current) {
    for (const [name, nodes] of Object.entries(instance.current)) {
      const s = serviceIndex.get(name);
      if (s === undefined) {
        problems.push({ path: `current.${name}`, message: `unknown service "${name}"` });
        continue;
      }
      const counts = new Map<number, number>();
      nodes.forEach((id, j) => {
        const n = nodeIndex.get(id);
        if (n === undefined) problems.push({ path: `current.${name}.${j}`, message: `unknown node "${id}"` });
        else counts.set(n, (counts.get(n) ?? 0) + 1);
      });
      currentCounts[s] = counts;
      movableReplicas[s] = Math.min(replicas[s], nodes.length);
    }
  }
  // A fixed service may only sit exactly where it runs now: its allowed nodes are its current ones,
  // each capped at its current count (PlacementState.fits and the MIP bounds read fixedCounts).
  const fixedCounts: (Map<number, number> | null)[] = new Array(S).fill(null);
  instance.services.forEach((svc, s) => {
    if (!svc.fixed) return;
    const counts = currentCounts[s];
    const listed = instance.current?.[svc.name]?.length ?? 0;
    if (!counts || listed !== svc.replicas) {
      problems.push({ path: `services.${s}.fixed`, message: `a fixed service needs current to list all ${svc.replicas} replicas (it lists ${listed})` });
      return;
    }
    fixedCounts[s] = counts;
    const mask = new Uint8Array(N);
    let most = 1;
    for (const [n, k] of counts) {
      mask[n] = 1;
      most = Math.max(most, k);
    }
    allowed[s] = mask;
    allowedNodes[s] = Int32Array.from([...counts.keys()].sort((x, y) => x - y));
    needsSpread[s] = 0;
    maxPerNode[s] = most;
  });

  if (problems.length > 0) throw new ValidationError(problems, 'the placement instance is not valid');

  const metric = instance.objective === 'latency' ? 'latencyMs' : 'dollarsPerGB';
  const levelDistance = Float64Array.from(NETWORK_LEVELS, (level) => instance.distance[level][metric]);

  return {
    instance,
    serviceCount: S,
    nodeCount: N,
    zoneCount: Z,
    clusterCount: clusterKey.size,
    replicaCount: R,
    serviceIndex,
    nodeIndex,
    replicaStart,
    replicaService,
    replicas,
    cpu,
    memory,
    nodeCpu,
    nodeMemory,
    nodeRisk,
    nodeZone,
    nodeCluster,
    zoneCluster: Int32Array.from(zoneClusterList),
    zoneNodes: zoneNodesList.map((l) => Int32Array.from(l)),
    allowed,
    allowedNodes,
    needsSpread,
    maxPerNode,
    adjStart,
    adjService,
    adjPairWeight,
    edges,
    levelDistance,
    migrationCost: instance.migrationCost,
    riskWeight: instance.riskWeight,
    currentCounts,
    movableReplicas,
    fixedCounts,
    directedEdges,
  };
}

/** Network level between two nodes. */
export function levelBetween(c: CompiledInstance, n: number, m: number): LevelIndex {
  if (n === m) return 0;
  if (c.nodeZone[n] === c.nodeZone[m]) return 1;
  if (c.nodeCluster[n] === c.nodeCluster[m]) return 2;
  return 3;
}

/** A flat replica → node vector (-1: not placed). */
export type NodeVector = Int32Array;

/**
 * Converts a by-name assignment into a node vector. Throws ValidationError listing every unknown
 * service or node and every service whose list length differs from its replica count.
 */
export function toNodeVector(c: CompiledInstance, assignment: Assignment): NodeVector {
  const problems: Problem[] = [];
  const vector = new Int32Array(c.replicaCount).fill(-1);
  for (const [name, nodes] of Object.entries(assignment)) {
    const s = c.serviceIndex.get(name);
    if (s === undefined) {
      problems.push({ path: name, message: `unknown service "${name}"` });
      continue;
    }
    if (nodes.length !== c.replicas[s]) problems.push({ path: name, message: `has ${nodes.length} placements for ${c.replicas[s]} replicas` });
    nodes.slice(0, c.replicas[s]).forEach((id, i) => {
      const n = c.nodeIndex.get(id);
      if (n === undefined) problems.push({ path: `${name}.${i}`, message: `unknown node "${id}"` });
      else vector[c.replicaStart[s] + i] = n;
    });
  }
  for (let s = 0; s < c.serviceCount; s++) {
    const name = c.instance.services[s].name;
    if (c.replicas[s] > 0 && !(name in assignment)) problems.push({ path: name, message: 'has no placement' });
  }
  if (problems.length > 0) throw new ValidationError(problems, 'the assignment does not match the instance');
  return vector;
}

/**
 * Converts a node vector to a by-name assignment. Within each service, replicas are ordered so that
 * as many as possible keep the index they have in the current placement: replicas are interchangeable,
 * and a stable order lets the caller see which replicas actually move.
 */
export function toAssignment(c: CompiledInstance, vector: NodeVector): Assignment {
  const out: Assignment = {};
  const current = c.instance.current;
  for (let s = 0; s < c.serviceCount; s++) {
    const name = c.instance.services[s].name;
    const start = c.replicaStart[s];
    const mine = Array.from(vector.subarray(start, start + c.replicas[s]), (n) => c.instance.nodes[n].id);
    const before = current?.[name];
    out[name] = before ? alignToReference(mine, before) : mine;
  }
  return out;
}

/** Reorders `nodes` so that position i holds reference[i] whenever that node is in `nodes`. */
export function alignToReference(nodes: readonly string[], reference: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const n of nodes) remaining.set(n, (remaining.get(n) ?? 0) + 1);
  const out: (string | undefined)[] = new Array(nodes.length).fill(undefined);
  for (let i = 0; i < out.length && i < reference.length; i++) {
    const left = remaining.get(reference[i]) ?? 0;
    if (left > 0) {
      out[i] = reference[i];
      remaining.set(reference[i], left - 1);
    }
  }
  const rest: string[] = [];
  for (const [n, k] of remaining) for (let j = 0; j < k; j++) rest.push(n);
  let next = 0;
  return out.map((n) => n ?? rest[next++]);
}

/** Accepts an instance in any form and returns its compiled form (compiling only when needed). */
export function asCompiled(instance: PlacementInstanceInput | PlacementInstance | CompiledInstance): CompiledInstance {
  return 'replicaStart' in instance ? instance : compileInstance(instance);
}
