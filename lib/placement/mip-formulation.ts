/**
 * Exact mixed-integer formulation of the placement objective, written as CPLEX LP text for HiGHS.
 *
 * Variables x[s][n] count the replicas of s on node n (replicas are interchangeable). Writing distance
 * as d3 − Δ3·[same cluster] − Δ2·[same zone] − Δ1·[same node] turns the cost of a service pair into
 *
 *   w_ab·d3 − pw_ab · Σ_levels Δ_L · Σ_groups X_a,g · X_b,g          (pw_ab = w_ab / (r_a·r_b))
 *
 * where X_s,g is the replica count of s in a node, zone or cluster g. The products are linearised
 * exactly: the service with fewer replicas (e) gets one-hot binaries y_k = [X_e,g = k], and continuous
 * w_k ≤ U_o·y_k with Σ_k w_k ≤ X_o,g stand for y_k·X_o,g, so the product is Σ_k k·w_k. Because the
 * objective rewards the products, the optimiser pushes every w to its exact value. Moves use kept
 * counts t ≤ min(current, x) in the same way.
 */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';

export interface MipFormulation {
  /** The model in CPLEX LP format. */
  lp: string;
  /** Constant to add to the LP objective to get the placement's total cost. */
  objectiveOffset: number;
  /** Column values of a complete placement (for a MIP start); absent names are 0. */
  startValues(vector: NodeVector): Map<string, number>;
  /** The placement described by column values (x columns are rounded). */
  decode(value: (name: string) => number): NodeVector;
}

type Level = 'n' | 'z' | 'c';

interface LevelGroups {
  level: Level;
  step: number;
  /** Nodes of each group. */
  groups: Int32Array[];
  groupOf: Int32Array;
}

interface ProductBlock {
  edge: number;
  level: Level;
  group: number;
  /** Service whose count is expanded into one-hot binaries, and the other one. */
  expanded: number;
  other: number;
  maxExpanded: number;
}

/** Builds the formulation. Pure: no solver involved. */
export function buildMipFormulation(c: CompiledInstance): MipFormulation {
  const d = c.levelDistance;
  const S = c.serviceCount;
  const allLevels: LevelGroups[] = [
    {
      level: 'n',
      step: d[1] - d[0],
      groups: Array.from({ length: c.nodeCount }, (_, n) => Int32Array.of(n)),
      groupOf: Int32Array.from({ length: c.nodeCount }, (_, n) => n),
    },
    { level: 'z', step: d[2] - d[1], groups: [...c.zoneNodes], groupOf: c.nodeZone },
    { level: 'c', step: d[3] - d[2], groups: groupsOf(c.nodeCluster, c.clusterCount), groupOf: c.nodeCluster },
  ];
  const zoneGroups = allLevels[1];
  const levels = allLevels.filter((l) => l.step > 0);

  const allowed = (s: number, n: number): boolean => !c.allowed[s] || c.allowed[s]![n] === 1;
  const fitOnNode = (s: number, n: number): number =>
    Math.min(
      c.replicas[s],
      c.fixedCounts[s] ? (c.fixedCounts[s]!.get(n) ?? 0) : c.maxPerNode[s],
      Math.floor(c.nodeCpu[n] / c.cpu[s] + 1e-9),
      Math.floor(c.nodeMemory[n] / c.memory[s] + 1e-9),
    );
  /** Most replicas of s that group g of a level can hold. */
  const maxInGroup = (s: number, l: LevelGroups, g: number): number => {
    let sum = 0;
    for (const n of l.groups[g]) if (allowed(s, n)) sum += fitOnNode(s, n);
    const spreadCap = l.level === 'z' && c.needsSpread[s] ? c.replicas[s] - 1 : c.replicas[s];
    return Math.min(sum, spreadCap);
  };

  const xName = (s: number, n: number): string => `x${s}_${n}`;
  const groupCount = (s: number, l: LevelGroups, g: number): string[] =>
    Array.from(l.groups[g])
      .filter((n) => allowed(s, n) && fitOnNode(s, n) > 0)
      .map((n) => xName(s, n));

  let objectiveOffset = 0;
  const objective: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  const xColumns: { s: number; n: number }[] = [];

  for (let s = 0; s < S; s++) {
    const own: string[] = [];
    for (const n of c.allowedNodes[s]) {
      const cap = fitOnNode(s, n);
      if (cap <= 0) continue;
      const x = xName(s, n);
      own.push(x);
      xColumns.push({ s, n });
      generals.push(x);
      bounds.push(` 0 <= ${x} <= ${cap}`);
      if (c.riskWeight > 0 && c.nodeRisk[n] > 0) objective.push(term(c.riskWeight * c.nodeRisk[n], x));
    }
    if (c.replicas[s] === 0) continue;
    if (own.length === 0) {
      // No node can hold a replica: a column fixed at 0 makes the model (correctly) infeasible.
      own.push(`void${s}`);
      bounds.push(` void${s} = 0`);
    }
    rows.push(` replicas${s}: ${sum(own)} = ${c.replicas[s]}`);
    if (c.needsSpread[s])
      c.zoneNodes.forEach((_, z) => {
        const inZone = groupCount(s, zoneGroups, z);
        if (inZone.length > 0) rows.push(` spread${s}_${z}: ${sum(inZone)} <= ${c.replicas[s] - 1}`);
      });
  }
  for (let n = 0; n < c.nodeCount; n++) {
    const cpu: string[] = [];
    const memory: string[] = [];
    for (let s = 0; s < S; s++) {
      if (!allowed(s, n) || fitOnNode(s, n) <= 0) continue;
      cpu.push(term(c.cpu[s], xName(s, n)));
      memory.push(term(c.memory[s], xName(s, n)));
    }
    if (cpu.length > 0) {
      rows.push(` cpu${n}: ${cpu.join(' + ').replace(/\+ -/g, '- ')} <= ${num(c.nodeCpu[n])}`);
      rows.push(` mem${n}: ${memory.join(' + ').replace(/\+ -/g, '- ')} <= ${num(c.nodeMemory[n])}`);
    }
  }

  // Symmetry: nodes that differ in nothing (zone, capacity, risk, pins, current replicas) can be
  // relabelled freely, so order each such class by CPU load. This removes equivalent optima that would
  // otherwise all be explored.
  const classes = new Map<string, number[]>();
  for (let n = 0; n < c.nodeCount; n++) {
    let key = `${c.nodeZone[n]}|${c.nodeCpu[n]}|${c.nodeMemory[n]}|${c.nodeRisk[n]}`;
    for (let s = 0; s < S; s++) {
      if (c.allowed[s]) key += c.allowed[s]![n] ? '1' : '0';
      if (c.migrationCost > 0 && c.currentCounts[s]?.has(n)) key += `|c${s}:${c.currentCounts[s]!.get(n)}`;
    }
    const list = classes.get(key) ?? [];
    list.push(n);
    classes.set(key, list);
  }
  for (const list of classes.values())
    for (let i = 0; i + 1 < list.length; i++) {
      const terms: string[] = [];
      for (let s = 0; s < S; s++) {
        if (!allowed(s, list[i]) || fitOnNode(s, list[i]) <= 0) continue;
        terms.push(term(c.cpu[s], xName(s, list[i])), term(-c.cpu[s], xName(s, list[i + 1])));
      }
      if (terms.length > 0) rows.push(` sym${list[i]}: ${terms.join(' + ').replace(/\+ -/g, '- ')} >= 0`);
    }

  // Migration: kept[s][n] ≤ current count and ≤ x; moves = movable − Σ kept.
  const keptColumns: { s: number; n: number; current: number }[] = [];
  if (c.migrationCost > 0)
    for (let s = 0; s < S; s++) {
      const current = c.currentCounts[s];
      if (!current) continue;
      objectiveOffset += c.migrationCost * c.movableReplicas[s];
      for (const [n, count] of current) {
        if (!allowed(s, n) || fitOnNode(s, n) <= 0) continue;
        const t = `t${s}_${n}`;
        keptColumns.push({ s, n, current: count });
        objective.push(term(-c.migrationCost, t));
        bounds.push(` 0 <= ${t} <= ${count}`);
        rows.push(` kept${s}_${n}: ${t} - ${xName(s, n)} <= 0`);
      }
    }

  // Communication.
  const blocks: ProductBlock[] = [];
  const oneHot = new Map<string, number>(); // "level:s:g" → number of y columns
  c.edges.forEach((e, ei) => {
    const pw = e.weight / (c.replicas[e.a] * c.replicas[e.b]);
    objectiveOffset += e.weight * d[3];
    for (const groups of levels) {
      const l = groups;
      if (groups.groups.length === 1) {
        // One group holds everything: the product is the constant r_a·r_b.
        objectiveOffset -= pw * l.step * c.replicas[e.a] * c.replicas[e.b];
        continue;
      }
      const fixedEnd = c.fixedCounts[e.a] ? e.a : c.fixedCounts[e.b] ? e.b : -1;
      if (fixedEnd >= 0) {
        // A fixed service's count in each group is a constant k, so the product is k × the other's count: linear.
        const other = fixedEnd === e.a ? e.b : e.a;
        const inGroup = new Float64Array(groups.groups.length);
        for (const [n, k] of c.fixedCounts[fixedEnd]!) inGroup[groups.groupOf[n]] += k;
        for (let g = 0; g < groups.groups.length; g++) {
          if (inGroup[g] === 0) continue;
          if (c.fixedCounts[other]) {
            let k = 0;
            for (const [n, count] of c.fixedCounts[other]!) if (groups.groupOf[n] === g) k += count;
            objectiveOffset -= pw * l.step * inGroup[g] * k;
          } else for (const x of groupCount(other, groups, g)) objective.push(term(-pw * l.step * inGroup[g], x));
        }
        continue;
      }
      const [expanded, other] = c.replicas[e.a] <= c.replicas[e.b] ? [e.a, e.b] : [e.b, e.a];
      for (let g = 0; g < groups.groups.length; g++) {
        const maxExpanded = maxInGroup(expanded, groups, g);
        const maxOther = maxInGroup(other, groups, g);
        if (maxExpanded <= 0 || maxOther <= 0) continue;
        const key = `${l.level}${expanded}_${g}`;
        if (!oneHot.has(key)) {
          oneHot.set(key, maxExpanded);
          const count = groupCount(expanded, groups, g);
          if (maxExpanded === 1) {
            // Σ x is already 0/1; y1 equals it.
            rows.push(` oh${key}: y${key}_1 - ${sum(count, ' - ')} = 0`);
          } else {
            const ys = Array.from({ length: maxExpanded }, (_, k) => `y${key}_${k + 1}`);
            rows.push(` oh${key}: ${sum(ys)} <= 1`);
            rows.push(` ohc${key}: ${ys.map((y, k) => `${k + 1} ${y}`).join(' + ')} - ${sum(count, ' - ')} = 0`);
          }
          for (let k = 1; k <= maxExpanded; k++) binaries.push(`y${key}_${k}`);
        }
        const ws: string[] = [];
        for (let k = 1; k <= maxExpanded; k++) {
          const w = `w${l.level}${ei}_${g}_${k}`;
          ws.push(w);
          objective.push(term(-pw * l.step * k, w));
          rows.push(` wy${l.level}${ei}_${g}_${k}: ${w} - ${maxOther} y${key}_${k} <= 0`);
        }
        rows.push(` wx${l.level}${ei}_${g}: ${sum(ws)} - ${sum(groupCount(other, groups, g), ' - ')} <= 0`);
        blocks.push({ edge: ei, level: l.level, group: g, expanded, other, maxExpanded });
      }
    }
  });

  if (objective.length === 0) objective.push(xColumns.length > 0 ? `0 ${xName(xColumns[0].s, xColumns[0].n)}` : '0 xnone');
  const lp = [
    'Minimize',
    ` obj: ${wrap(objective.join(' + ').replace(/\+ -/g, '- '))}`,
    'Subject To',
    ...rows.map(wrap),
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
    startValues(vector) {
      const values = new Map<string, number>();
      const counts = new Map<string, number>();
      for (let r = 0; r < vector.length; r++) {
        const key = xName(c.replicaService[r], vector[r]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [k, v] of counts) values.set(k, v);
      const countIn = (s: number, l: LevelGroups, g: number): number => {
        let total = 0;
        for (const n of l.groups[g]) total += counts.get(xName(s, n)) ?? 0;
        return total;
      };
      for (const { s, n, current } of keptColumns) values.set(`t${s}_${n}`, Math.min(current, counts.get(xName(s, n)) ?? 0));
      for (const b of blocks) {
        const groups = allLevels.find((x) => x.level === b.level)!;
        const k = countIn(b.expanded, groups, b.group);
        if (k > 0) {
          values.set(`y${b.level}${b.expanded}_${b.group}_${k}`, 1);
          values.set(`w${b.level}${b.edge}_${b.group}_${k}`, countIn(b.other, groups, b.group));
        }
      }
      return values;
    },
    decode(value) {
      const vector = new Int32Array(c.replicaCount).fill(-1);
      const next = Int32Array.from(c.replicaStart.subarray(0, S));
      for (const { s, n } of xColumns) {
        const k = Math.round(value(xName(s, n)));
        for (let i = 0; i < k && next[s] < c.replicaStart[s + 1]; i++) vector[next[s]++] = n;
      }
      return vector;
    },
  };
}

function groupsOf(groupOf: Int32Array, count: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: count }, () => []);
  groupOf.forEach((g, n) => lists[g].push(n));
  return lists.map((l) => Int32Array.from(l));
}

export function num(v: number): string {
  // HiGHS reads exponents, but keep plain decimals where they are exact enough.
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
}

export function term(coefficient: number, name: string): string {
  return `${num(coefficient)} ${name}`;
}

export function sum(names: string[], joiner = ' + '): string {
  return names.join(joiner);
}

/** Breaks long expressions over lines; the LP format lets an expression continue on the next line. */
export function wrap(line: string): string {
  if (line.length < 200) return line;
  const parts = line.split(' ');
  const out: string[] = [];
  let current = '';
  for (const p of parts) {
    if (current.length + p.length > 200) {
      out.push(current);
      current = ' ';
    }
    current += (current.length > 1 ? ' ' : '') + p;
  }
  out.push(current);
  return out.join('\n');
}

export function chunk(names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i += 20) out.push(' ' + names.slice(i, i + 20).join(' '));
  return out;
}
