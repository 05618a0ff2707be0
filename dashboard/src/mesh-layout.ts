/**
 * Positions for the mesh graph, computed here in one pass instead of by a force layout (which costs
 * seconds at a few hundred services, the slowness users of Kiali report): services are laid out in
 * columns by call depth (callers left of what they call), inside one box per group (cluster or zone),
 * boxes side by side. O(services + calls).
 */
export interface LayoutInput {
  services: { name: string; group: string }[];
  edges: { from: string; to: string }[];
}

export interface Layout {
  positions: Map<string, { x: number; y: number }>;
  /** The box of each group around its services (centre and size), for the group's backdrop. */
  groups: Map<string, { x: number; y: number; width: number; height: number }>;
  /** Depth of each service: 0 for services nobody calls. */
  depth: Map<string, number>;
}

export const CELL = { width: 200, height: 64, groupGap: 160 } as const;

/** Longest call path from a service nobody calls (Kahn's order); services on a cycle go one column right of their callers seen so far. */
export function callDepth(names: string[], edges: { from: string; to: string }[]): Map<string, number> {
  const known = new Set(names);
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  const indegree = new Map<string, number>(names.map((n) => [n, 0]));
  for (const e of edges) {
    if (!known.has(e.from) || !known.has(e.to) || e.from === e.to) continue;
    out.get(e.from)!.push(e.to);
    indegree.set(e.to, indegree.get(e.to)! + 1);
  }
  const depth = new Map<string, number>(names.map((n) => [n, 0]));
  const queue = names.filter((n) => indegree.get(n) === 0);
  const done = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    done.add(n);
    for (const m of out.get(n)!) {
      depth.set(m, Math.max(depth.get(m)!, depth.get(n)! + 1));
      const left = indegree.get(m)! - 1;
      indegree.set(m, left);
      if (left === 0) queue.push(m);
    }
  }
  // Cycles: whatever Kahn could not order keeps the depth its ordered callers gave it.
  return depth;
}

export function layoutMesh(input: LayoutInput): Layout {
  const depth = callDepth(
    input.services.map((s) => s.name),
    input.edges,
  );
  const groups = new Map<string, string[]>();
  for (const s of input.services) {
    const members = groups.get(s.group) ?? [];
    members.push(s.name);
    groups.set(s.group, members);
  }
  const positions = new Map<string, { x: number; y: number }>();
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  let offsetX = 0;
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!;
    // Columns by depth; a column taller than about the square root of the group wraps into several.
    const maxRows = Math.max(4, Math.ceil(Math.sqrt(members.length) * 1.5));
    const byDepth = new Map<number, string[]>();
    for (const name of members) {
      const d = depth.get(name)!;
      const column = byDepth.get(d) ?? [];
      column.push(name);
      byDepth.set(d, column);
    }
    let column = 0;
    for (const d of [...byDepth.keys()].sort((a, b) => a - b)) {
      const names = byDepth.get(d)!.sort();
      for (let i = 0; i < names.length; i++) {
        const sub = Math.floor(i / maxRows);
        positions.set(names[i], { x: offsetX + (column + sub) * CELL.width, y: (i % maxRows) * CELL.height });
      }
      column += Math.ceil(names.length / maxRows);
    }
    const rows = Math.min(maxRows, Math.max(...[...byDepth.values()].map((c) => c.length)));
    const width = column * CELL.width;
    const height = rows * CELL.height;
    boxes.set(key, { x: offsetX + width / 2 - CELL.width / 2, y: height / 2 - CELL.height / 2, width, height: height + CELL.height / 2 });
    offsetX += width + CELL.groupGap;
  }
  return { positions, groups: boxes, depth };
}
