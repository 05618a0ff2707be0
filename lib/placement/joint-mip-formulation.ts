/**
 * The zone-level MIP of the joint problem (CPLEX LP text for HiGHS). It is a relaxation of the joint
 * placement + routing problem, so its optimum, and every bound HiGHS proves on it, bounds the true
 * joint cost from below; its zone counts go to the node stage for a real placement.
 *
 *   n[s][z] ∈ ℤ   replicas of s in zone z (≤ what the zone's allowed nodes hold under the node limit,
 *                 ≤ r−1 for zone spread; fixed services fixed)
 *   F[e][z][z'] ≥ 0  rps of call edge e = a→b from caller zone z to callee zone z'
 *   S[e][z] ≥ 0      rps of e that stays on the caller's node inside zone z
 *
 *   Σ_z n[s][z] = r_s;  Σ_s cpu_s·n[s][z] ≤ cpu of zone z (memory alike)
 *   Σ_z' F[e][z][z'] = rps_e · n[a][z] / r_a                    (callers send in proportion to replicas)
 *   (one cluster: only F[e][z][z] ≤ rps_e · n[a][z] / r_a, the rest costs d2; caps on cross flows dropped)
 *   Σ_{e→b} Σ_z F[e][z][z'] ≤ cap · rps_b / r_b · n[b][z']        (zone load cap)
 *   S[e][z] ≤ F[e][z][z];  S[e][z] ≤ rps_e · m_a / r_a · u[b][z];  n[b][z] ≤ r_b · u[b][z], u binary
 *   S[e][z] ≤ m_b/k · F[e][z][z] + rps_e·(1 − y[b][z][k]) for k > m_b, y one-hot of n[b][z]
 *   Σ_{e out of a} S[e][z] ≤ K_a · n[a][z];  Σ_{e into b} S[e][z] ≤ K'_b   (node room, same-node-capacity.ts)
 *   Σ_e w_e/rps_e · S[e][z] − Σ_s μ_s · n[s][z] ≤ rhs_z   (node packing cuts, node-packing-bound.ts)
 *   linearSameNode: instead of u and y, S[e][z] ≤ rps_e·m_a/r_a and ≤ rps_e·m_a/r_a · n[b][z], and
 *   each edge's cost ≥ its per-edge bound (lower-bound.ts jointPerEdgeTerms)
 *
 *   min Σ w_e/rps_e · (Σ F·D(z,z') − (d1 − d0)·Σ S) + risk·Σ n·(least risk in the zone) + λ·(movable − Σ kept)
 *
 * Relaxed: routing may differ per caller (the real one is per callee and caller zone), co-location
 * ignores node capacity, and same-node traffic is bounded per edge. Symmetry: zones that cannot be
 * told apart (cluster, node shapes, pins, current replicas) are ordered by the busiest service's count.
 */
import type { CompiledInstance } from './compiled-instance.js';
import { ZoneModel } from './joint-zone-model.js';
import { chunk, num, sum, term, wrap } from './mip-formulation.js';
import type { SameNodeCut } from './node-packing-bound.js';
import { jointPerEdgeTerms } from './lower-bound.js';
import { sameNodeCapacity } from './same-node-capacity.js';
import { callerSupply, flowsToMatrix, incomingEdges, inboundRps, localityFlows } from './routing.js';

export interface JointMipFormulation {
  lp: string;
  objectiveOffset: number;
  /** Column values for given zone counts (a MIP start). */
  startValues(counts: Int32Array): Map<string, number>;
  /** Zone counts from column values. */
  decode(value: (name: string) => number): Int32Array;
}

export interface JointMipOptions {
  /** Node-packing cuts (node-packing-bound.ts): SN_z − Σ_s μ_s·n[s][z] ≤ rhs_z per zone. */
  sameNodeCuts?: readonly SameNodeCut[];
  /** Bound same-node flows by S ≤ rps·m_a/r_a·n[b][z] instead of the presence and one-hot binaries. */
  linearSameNode?: boolean;
  /** Rows: each edge's cost ≥ its per-edge bound (default: with linearSameNode). */
  perEdgeRows?: boolean;
  /**
   * Rows: the calls into each service cost at least its callee-star term, the calls out of it at least its
   * caller-star term (star-bound.ts, `terms`; indexed by service, self-calls excluded from the caller star).
   */
  calleeStarTerms?: Float64Array;
  callerStarTerms?: Float64Array;
  /**
   * With linearSameNode: also S[e][z] ≤ m_b/k · F[e][z][z] when the callee has k > m_b replicas in the zone
   * (one-hot of n[b][z]), for the heaviest edges carrying this share of the call weight (0 to 1; default 0).
   */
  calleeShareRows?: number;
}

export function buildJointMip(c: CompiledInstance, options: JointMipOptions = {}): JointMipFormulation {
  const S = c.serviceCount;
  const Z = c.zoneCount;
  const d = c.levelDistance;
  const cap = c.instance.routing.zoneLoadCap;
  const zoneModel = new ZoneModel(c, new Int32Array(S * Z));
  const maxIn = zoneModel.maxInZone;
  const inbound = inboundRps(c);
  const nName = (s: number, z: number): string => `n${s}_${z}`;
  const fName = (e: number, z: number, z2: number): string => `f${e}_${z}_${z2}`;
  const sName = (e: number, z: number): string => `s${e}_${z}`;
  const uName = (b: number, z: number): string => `u${b}_${z}`;
  const yName = (b: number, z: number, k: number): string => `y${b}_${z}_${k}`;
  const distance = (z: number, z2: number): number => (z === z2 ? d[1] : c.zoneCluster[z] === c.zoneCluster[z2] ? d[2] : d[3]);
  const sameNodeStep = d[1] - d[0];
  // With one cluster, cross-zone flows need no variables (the caps on them only ever relax).
  const compact = c.clusterCount === 1;
  const linearSameNode = options.linearSameNode ?? false;

  const objective: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  let objectiveOffset = 0;

  const fixedInZone = (s: number, z: number): number => {
    let k = 0;
    for (const [n, count] of c.fixedCounts[s] ?? []) if (c.nodeZone[n] === z) k += count;
    return k;
  };
  for (let s = 0; s < S; s++) {
    if (c.replicas[s] === 0) continue;
    const own: string[] = [];
    for (let z = 0; z < Z; z++) {
      const hi = c.fixedCounts[s] ? fixedInZone(s, z) : maxIn[s * Z + z];
      const lo = c.fixedCounts[s] ? hi : 0;
      if (hi <= 0) continue;
      own.push(nName(s, z));
      generals.push(nName(s, z));
      bounds.push(` ${lo} <= ${nName(s, z)} <= ${hi}`);
      if (c.riskWeight > 0) {
        let least = Infinity;
        for (const n of c.allowedNodes[s]) if (c.nodeZone[n] === z) least = Math.min(least, c.nodeRisk[n]);
        if (least > 0 && Number.isFinite(least)) objective.push(term(c.riskWeight * least, nName(s, z)));
      }
    }
    if (own.length === 0) {
      own.push(`void${s}`);
      bounds.push(` void${s} = 0`);
    }
    rows.push(` r${s}: ${sum(own)} = ${c.replicas[s]}`);
  }
  const exists = (s: number, z: number): boolean => (c.fixedCounts[s] ? fixedInZone(s, z) : maxIn[s * Z + z]) > 0;

  for (let z = 0; z < Z; z++) {
    const cpu: string[] = [];
    const memory: string[] = [];
    for (let s = 0; s < S; s++) {
      if (c.replicas[s] === 0 || !exists(s, z)) continue;
      cpu.push(term(c.cpu[s], nName(s, z)));
      memory.push(term(c.memory[s], nName(s, z)));
    }
    if (cpu.length > 0) {
      rows.push(` zc${z}: ${cpu.join(' + ')} <= ${num(zoneModel.zoneCpu[z])}`);
      rows.push(` zm${z}: ${memory.join(' + ')} <= ${num(zoneModel.zoneMemory[z])}`);
    }
  }

  // Presence u[b][z] and one-hot y[b][z][k] of callees whose replicas may share a node with a caller.
  const presence = new Set<string>();
  const oneHot = new Map<string, number>();
  const needPresence = (b: number, z: number): string => {
    const key = `${b}_${z}`;
    if (!presence.has(key)) {
      presence.add(key);
      binaries.push(uName(b, z));
      rows.push(` up${key}: ${nName(b, z)} - ${maxIn[b * Z + z]} ${uName(b, z)} <= 0`);
    }
    return uName(b, z);
  };
  const needOneHot = (b: number, z: number): number => {
    const key = `${b}_${z}`;
    let top = oneHot.get(key);
    if (top === undefined) {
      top = c.fixedCounts[b] ? fixedInZone(b, z) : maxIn[b * Z + z];
      oneHot.set(key, top);
      const ys = Array.from({ length: top }, (_, i) => yName(b, z, i + 1));
      for (const y of ys) binaries.push(y);
      rows.push(` oh${key}: ${sum(ys)} <= 1`);
      rows.push(` ohc${key}: ${ys.map((y, i) => `${i + 1} ${y}`).join(' + ')} - ${nName(b, z)} = 0`);
    }
    return top;
  };

  // The heaviest edges carrying calleeShareRows of the weight get the one-hot callee-share rows (linearSameNode).
  const shareRows = new Uint8Array(c.directedEdges.length);
  if (linearSameNode && (options.calleeShareRows ?? 0) > 0) {
    const total = c.directedEdges.reduce((t, e) => t + e.weight, 0);
    const order = [...c.directedEdges.keys()].sort((x, y) => c.directedEdges[y].weight - c.directedEdges[x].weight || x - y);
    let covered = 0;
    for (const ei of order) {
      if (covered >= options.calleeShareRows! * total - 1e-9) break;
      shareRows[ei] = 1;
      covered += c.directedEdges[ei].weight;
    }
  }
  const incoming = incomingEdges(c);
  const edgeCost: string[][] = c.directedEdges.map(() => []);
  const sameNodeOut: string[][] = Array.from({ length: S * Z }, () => []);
  const sameNodeIn: string[][] = Array.from({ length: S * Z }, () => []);
  c.directedEdges.forEach((e, ei) => {
    const a = e.from;
    const b = e.to;
    const perRps = e.weight / e.rps;
    const perReplica = e.rps / c.replicas[a];
    // One cluster: every cross-zone call costs d2, so only the local flows F[e][z][z] are needed:
    // cost = w·d2 − w/rps·(d2 − d1)·Σ_z F[e][z][z], with F[e][z][z] ≤ rps·n[a][z]/r_a.
    if (compact) objectiveOffset += e.weight * d[2];
    for (let z = 0; z < Z; z++) {
      if (!exists(a, z)) continue;
      if (compact) {
        if (!exists(b, z)) continue;
        objective.push(term(-perRps * (d[2] - d[1]), fName(ei, z, z)));
        edgeCost[ei].push(term(-perRps * (d[2] - d[1]), fName(ei, z, z)));
        rows.push(` sup${ei}_${z}: ${fName(ei, z, z)} - ${num(perReplica)} ${nName(a, z)} <= 0`);
      } else {
        const out: string[] = [];
        for (let z2 = 0; z2 < Z; z2++) {
          if (!exists(b, z2)) continue;
          out.push(fName(ei, z, z2));
          objective.push(term(perRps * distance(z, z2), fName(ei, z, z2)));
          edgeCost[ei].push(term(perRps * distance(z, z2), fName(ei, z, z2)));
        }
        if (out.length === 0) {
          rows.push(` sup${ei}_${z}: ${nName(a, z)} = 0`);
          continue;
        }
        rows.push(` sup${ei}_${z}: ${sum(out)} - ${num(perReplica)} ${nName(a, z)} = 0`);
      }
      if (sameNodeStep > 0 && exists(b, z)) {
        const sv = sName(ei, z);
        objective.push(term(-perRps * sameNodeStep, sv));
        edgeCost[ei].push(term(-perRps * sameNodeStep, sv));
        rows.push(` sf${ei}_${z}: ${sv} - ${fName(ei, z, z)} <= 0`);
        sameNodeOut[a * Z + z].push(sv);
        sameNodeIn[b * Z + z].push(sv);
        if (linearSameNode) {
          // The a-replicas beside b's n_b,z replicas (≤ m_a each) reach them with share 1/n_b,z: at most m_a·rps/r_a stays.
          rows.push(` sa${ei}_${z}: ${sv} - ${num(perReplica * c.maxPerNode[a])} ${nName(b, z)} <= 0`);
          bounds.push(` 0 <= ${sv} <= ${num(perReplica * c.maxPerNode[a])}`);
          if (!shareRows[ei]) continue;
        } else rows.push(` sa${ei}_${z}: ${sv} - ${num(perReplica * c.maxPerNode[a])} ${needPresence(b, z)} <= 0`);
        // A caller replica beside ≤ m_b of b's k replicas in the zone keeps at most m_b/k of its local calls.
        const top = c.fixedCounts[b] ? fixedInZone(b, z) : maxIn[b * Z + z];
        if (top > c.maxPerNode[b]) needOneHot(b, z);
        for (let k = c.maxPerNode[b] + 1; k <= top; k++)
          rows.push(` sb${ei}_${z}_${k}: ${sv} - ${num(c.maxPerNode[b] / k)} ${fName(ei, z, z)} + ${num(e.rps)} ${yName(b, z, k)} <= ${num(e.rps)}`);
      }
    }
  });
  // Every edge costs at least its per-edge bound (lower-bound.ts): cuts that lift the LP relaxation.
  if (options.perEdgeRows ?? linearSameNode) {
    const terms = jointPerEdgeTerms(c);
    c.directedEdges.forEach((e, ei) => {
      if (edgeCost[ei].length === 0) return;
      const constant = compact ? e.weight * d[2] : 0;
      rows.push(` pe${ei}: ${edgeCost[ei].join(' + ')} >= ${num(terms[ei] - constant)}`);
    });
  }
  const starRow = (name: string, edges: number[], term: number | undefined): void => {
    if (term === undefined || !(term > 0) || edges.some((ei) => edgeCost[ei].length === 0 && !compact)) return;
    const parts = edges.flatMap((ei) => edgeCost[ei]);
    if (parts.length === 0) return;
    const constant = compact ? edges.reduce((total, ei) => total + c.directedEdges[ei].weight * d[2], 0) : 0;
    rows.push(` ${name}: ${parts.join(' + ')} >= ${num(term - constant)}`);
  };
  const outgoing: number[][] = Array.from({ length: S }, () => []);
  c.directedEdges.forEach((e, ei) => {
    if (e.from !== e.to) outgoing[e.from].push(ei);
  });
  for (let s = 0; s < S; s++) {
    if (options.calleeStarTerms && incoming[s].length > 0) starRow(`stb${s}`, incoming[s], options.calleeStarTerms[s]);
    if (options.callerStarTerms && outgoing[s].length > 0) starRow(`sta${s}`, outgoing[s], options.callerStarTerms[s]);
  }
  // Node room: a caller replica keeps at most perCallerReplica on its node, a callee zone takes at most perCalleeZone.
  const room = sameNodeCapacity(c);
  for (let s = 0; s < S; s++)
    for (let z = 0; z < Z; z++) {
      const out = sameNodeOut[s * Z + z];
      if (out.length > 1) rows.push(` nro${s}_${z}: ${sum(out)} - ${num(room.perCallerReplica[s])} ${nName(s, z)} <= 0`);
      const into = sameNodeIn[s * Z + z];
      if (into.length > 1) rows.push(` nri${s}_${z}: ${sum(into)} <= ${num(room.perCalleeZone[s])}`);
    }
  // Node packing (node-packing-bound.ts): the same-node weight of a zone is at most Σ_s μ_s·n[s][z] + rhs_z.
  if (sameNodeStep > 0)
    (options.sameNodeCuts ?? []).forEach((cut, ci) => {
      for (let z = 0; z < Z; z++) {
        const parts: string[] = [];
        c.directedEdges.forEach((e, ei) => {
          if (exists(e.from, z) && exists(e.to, z)) parts.push(term(e.weight / e.rps, sName(ei, z)));
        });
        if (parts.length === 0) continue;
        for (let s = 0; s < S; s++) if (c.replicas[s] > 0 && exists(s, z) && cut.mu[s] !== 0) parts.push(term(-cut.mu[s], nName(s, z)));
        rows.push(` pk${ci}_${z}: ${parts.join(' + ')} <= ${num(cut.zoneRhs[z])}`);
      }
    });
  for (let b = 0; b < S; b++) {
    if (incoming[b].length === 0) continue;
    for (let z2 = 0; z2 < Z; z2++) {
      if (!exists(b, z2)) continue;
      const into: string[] = [];
      for (const ei of incoming[b]) for (let z = 0; z < Z; z++) if (exists(c.directedEdges[ei].from, z) && (!compact || z === z2)) into.push(fName(ei, z, z2));
      if (into.length > 0) rows.push(` cap${b}_${z2}: ${sum(into)} - ${num((cap * inbound[b]) / c.replicas[b])} ${nName(b, z2)} <= 0`);
    }
  }

  // Moves: at least movable − Σ_z min(now in z, n[s][z]) replicas change node.
  const keptColumns: { s: number; z: number; now: number }[] = [];
  if (c.migrationCost > 0)
    for (let s = 0; s < S; s++) {
      const current = c.currentCounts[s];
      if (!current || c.fixedCounts[s]) continue;
      objectiveOffset += c.migrationCost * c.movableReplicas[s];
      const now = new Int32Array(Z);
      for (const [n, k] of current) now[c.nodeZone[n]] += k;
      for (let z = 0; z < Z; z++) {
        if (now[z] === 0 || !exists(s, z)) continue;
        keptColumns.push({ s, z, now: now[z] });
        objective.push(term(-c.migrationCost, `k${s}_${z}`));
        bounds.push(` 0 <= k${s}_${z} <= ${now[z]}`);
        rows.push(` kz${s}_${z}: k${s}_${z} - ${nName(s, z)} <= 0`);
      }
    }

  for (const [i, group] of identicalZoneGroups(c).entries()) {
    let lead = -1;
    for (let s = 0; s < S; s++) if (!c.fixedCounts[s] && c.replicas[s] > 0 && (lead < 0 || c.replicas[s] > c.replicas[lead])) lead = s;
    if (lead < 0) break;
    for (let j = 0; j + 1 < group.length; j++)
      if (exists(lead, group[j]) && exists(lead, group[j + 1])) rows.push(` sym${i}_${j}: ${nName(lead, group[j])} - ${nName(lead, group[j + 1])} >= 0`);
  }

  if (objective.length === 0) objective.push(`0 ${generals[0] ?? 'none'}`);
  const lp = [
    'Minimize',
    ` obj: ${wrap(objective.join(' + ').replace(/\+ -/g, '- '))}`,
    'Subject To',
    ...rows.map((r) => wrap(r.replace(/\+ -/g, '- '))),
    'Bounds',
    ...bounds,
    ...(generals.length > 0 ? ['General', ...chunk(generals)] : []),
    ...(binaries.length > 0 ? ['Binary', ...chunk(binaries)] : []),
    'End',
    '',
  ].join('\n');

  return {
    lp,
    objectiveOffset,
    startValues(counts) {
      const values = new Map<string, number>();
      for (let s = 0; s < S; s++) for (let z = 0; z < Z; z++) if (counts[s * Z + z] > 0) values.set(nName(s, z), counts[s * Z + z]);
      for (const key of presence) {
        const [b, z] = key.split('_').map(Number);
        if (counts[b * Z + z] > 0) values.set(uName(b, z), 1);
      }
      for (const key of oneHot.keys()) {
        const [b, z] = key.split('_').map(Number);
        if (counts[b * Z + z] > 0) values.set(yName(b, z, counts[b * Z + z]), 1);
      }
      const supply = new Float64Array(Z);
      const matrices: (Float64Array | null)[] = new Array(S).fill(null);
      for (let b = 0; b < S; b++)
        if (incoming[b].length > 0) matrices[b] = flowsToMatrix(c, b, counts, localityFlows(c, b, counts, callerSupply(c, counts, incoming[b], supply), cap));
      c.directedEdges.forEach((e, ei) => {
        const m = matrices[e.to]!;
        for (let z = 0; z < Z; z++) {
          const from = (e.rps * counts[e.from * Z + z]) / c.replicas[e.from];
          if (from <= 0) continue;
          for (let z2 = 0; z2 < Z; z2++) if (m[z * Z + z2] > 0 && (!compact || z2 === z)) values.set(fName(ei, z, z2), from * m[z * Z + z2]);
          const local = from * m[z * Z + z];
          const nb = counts[e.to * Z + z];
          if (sameNodeStep > 0 && local > 0 && nb > 0)
            values.set(sName(ei, z), Math.min(local, (e.rps / c.replicas[e.from]) * c.maxPerNode[e.from], (local * Math.min(nb, c.maxPerNode[e.to])) / nb));
        }
      });
      // Scale same-node starts down where a node-room row would be exceeded (scaling down keeps every other row).
      for (let s = 0; s < S; s++)
        for (let z = 0; z < Z; z++) {
          const limits: [string[], number][] = [
            [sameNodeOut[s * Z + z], room.perCallerReplica[s] * counts[s * Z + z]],
            [sameNodeIn[s * Z + z], room.perCalleeZone[s]],
          ];
          for (const [columns, limit] of limits) {
            const used = columns.reduce((total, name) => total + (values.get(name) ?? 0), 0);
            if (used > limit) for (const name of columns) if (values.has(name)) values.set(name, (values.get(name)! * limit) / used);
          }
        }
      // And where a node-packing cut would be exceeded.
      for (const cut of options.sameNodeCuts ?? [])
        for (let z = 0; z < Z; z++) {
          let room = cut.zoneRhs[z];
          for (let s = 0; s < S; s++) room += cut.mu[s] * counts[s * Z + z];
          const columns: [string, number][] = [];
          let used = 0;
          c.directedEdges.forEach((e, ei) => {
            const value = values.get(sName(ei, z));
            if (value === undefined) return;
            columns.push([sName(ei, z), value]);
            used += (e.weight / e.rps) * value;
          });
          if (used > room) for (const [name, value] of columns) values.set(name, room > 0 ? (value * room) / used : 0);
        }
      for (const { s, z, now } of keptColumns) values.set(`k${s}_${z}`, Math.min(now, counts[s * Z + z]));
      return values;
    },
    decode(value) {
      const counts = new Int32Array(S * Z);
      for (let s = 0; s < S; s++) for (let z = 0; z < Z; z++) if (exists(s, z)) counts[s * Z + z] = Math.round(value(nName(s, z)));
      return counts;
    },
  };
}

/** Groups (≥ 2) of zones that no part of the instance tells apart, each in ascending order. */
export function identicalZoneGroups(c: CompiledInstance): number[][] {
  const Z = c.zoneCount;
  const signature: string[] = [];
  for (let z = 0; z < Z; z++) {
    const nodes = Array.from(c.zoneNodes[z], (n) => {
      let key = `${c.nodeCpu[n]}/${c.nodeMemory[n]}/${c.nodeRisk[n]}`;
      for (let s = 0; s < c.serviceCount; s++) {
        if (c.allowed[s]) key += c.allowed[s]![n] ? '1' : '0';
        if (c.fixedCounts[s]?.has(n)) key += `f${s}:${c.fixedCounts[s]!.get(n)}`;
        if (c.migrationCost > 0 && c.currentCounts[s]?.has(n)) key += `c${s}:${c.currentCounts[s]!.get(n)}`;
      }
      return key;
    }).sort();
    signature.push(`${c.zoneCluster[z]}|${nodes.join(',')}`);
  }
  const groups = new Map<string, number[]>();
  signature.forEach((sig, z) => groups.set(sig, [...(groups.get(sig) ?? []), z]));
  return [...groups.values()].filter((g) => g.length > 1);
}
