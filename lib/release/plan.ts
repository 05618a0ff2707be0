/**
 * The plan of a release train (pure): the released services in levels, callees first.
 *
 * Edges are calls (`from` calls `to`), over the whole graph: declared dependencies of every registered
 * service, plus call edges observed in the mesh. A released service depends on every released service
 * it reaches, also through services the release does not touch (frontend → gateway → api: api goes
 * before frontend, since gateway passes api's change on to frontend). Its level is one more than the
 * highest level of what it depends on; items of one level are independent and run in parallel.
 *
 * Worked example: items frontend, api, db-gateway with frontend → api → db-gateway declared:
 * levels [[db-gateway], [api], [frontend]]. Add an unrelated item `billing`: [[db-gateway, billing],
 * [api], [frontend]].
 *
 * Cycles: two released services that reach each other cannot be ordered. A cycle in the declared graph
 * is the caller's to fix (`{cycle}`, answered 400 naming it). Observed edges are traffic, not intent: one
 * that would close a cycle is left out of the plan and reported (`ignored`), so mutual calls seen in
 * the mesh never block a release.
 */
import type { ServiceRecord } from '../model/records.js';
import type { CallEdge, IgnoredEdge } from '../model/release.js';

export type ReleasePlan = { ok: true; levels: string[][]; ignored: IgnoredEdge[] } | { ok: false; cycle: string[] };

type Graph = Map<string, string[]>;

function graphOf(edges: readonly CallEdge[]): Graph {
  const graph: Graph = new Map();
  for (const { from, to } of edges) {
    if (from === to) continue;
    const out = graph.get(from) ?? [];
    if (!out.includes(to)) out.push(to);
    graph.set(from, out);
  }
  return graph;
}

/** A shortest path from `start` to `goal` (both included), or undefined. */
function pathBetween(graph: Graph, start: string, goal: string): string[] | undefined {
  const parent = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const next of graph.get(node) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, node);
      if (next === goal) {
        const path = [goal];
        for (let at = goal; at !== start;) path.unshift((at = parent.get(at)!));
        return path;
      }
      queue.push(next);
    }
  }
  return undefined;
}

/** The released services each released service reaches (itself left out). */
function releasedReach(graph: Graph, items: readonly string[]): Map<string, Set<string>> {
  const released = new Set(items);
  const reach = new Map<string, Set<string>>();
  for (const item of items) {
    const seen = new Set<string>([item]);
    const found = new Set<string>();
    const stack = [...(graph.get(item) ?? [])];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      if (released.has(node)) found.add(node);
      stack.push(...(graph.get(node) ?? []));
    }
    reach.set(item, found);
  }
  return reach;
}

/** A cycle through two released services, as a path that returns to its start, or undefined. */
function findCycle(graph: Graph, items: readonly string[], reach: Map<string, Set<string>>): string[] | undefined {
  for (const a of items) {
    for (const b of items) {
      if (a === b || !reach.get(a)!.has(b) || !reach.get(b)!.has(a)) continue;
      const there = pathBetween(graph, a, b)!;
      const back = pathBetween(graph, b, a)!;
      return [...there, ...back.slice(1)];
    }
  }
  return undefined;
}

function levelsOf(items: readonly string[], reach: Map<string, Set<string>>): string[][] {
  const level = new Map<string, number>();
  const levelOf = (item: string): number => {
    const known = level.get(item);
    if (known !== undefined) return known;
    let value = 0;
    for (const dep of reach.get(item)!) value = Math.max(value, levelOf(dep) + 1);
    level.set(item, value);
    return value;
  };
  const levels: string[][] = [];
  for (const item of items) (levels[levelOf(item)] ??= []).push(item);
  return levels;
}

/**
 * Plans `items` (service names, in request order; the order within a level follows it) over the
 * declared and observed call edges. See the module comment.
 */
export function planRelease(items: readonly string[], declared: readonly CallEdge[], observed: readonly CallEdge[] = []): ReleasePlan {
  const edges = [...declared];
  let reach = releasedReach(graphOf(edges), items);
  const cycle = findCycle(graphOf(edges), items, reach);
  if (cycle) return { ok: false, cycle };

  const ignored: IgnoredEdge[] = [];
  const known = new Set(edges.map((e) => `${e.from}\n${e.to}`));
  const extra = [...observed].sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
  for (const edge of extra) {
    const key = `${edge.from}\n${edge.to}`;
    if (edge.from === edge.to || known.has(key)) continue;
    known.add(key);
    const candidate = [...edges, edge];
    const graph = graphOf(candidate);
    const candidateReach = releasedReach(graph, items);
    const closes = findCycle(graph, items, candidateReach);
    if (closes) {
      ignored.push({ ...edge, cycle: closes });
      continue;
    }
    edges.push(edge);
    reach = candidateReach;
  }
  return { ok: true, levels: levelsOf(items, reach), ignored };
}

/** `frontend → api → frontend`, for messages. */
export function describeCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** The declared call edges of every live service (its dependencies). */
export function declaredEdges(services: readonly ServiceRecord[]): CallEdge[] {
  return services.filter((s) => s.phase !== 'deleted').flatMap((s) => s.spec.dependencies.map((d) => ({ from: s.name, to: d.service })));
}
