import type { CallerEdge, CallerEdgeChanges } from '../../model/call-graph.js';
import type { ServiceRecord } from '../../model/records.js';

const live = (r: ServiceRecord | undefined) => (r && r.phase !== 'deleted' ? r : undefined);

/**
 * How the reverse index must change when a service moves from `previous` to `next` (pure). It lets the
 * converger find a service's callers with one query instead of reading every service.
 */
export function callerEdgeChanges(previous: ServiceRecord | undefined, next: ServiceRecord): CallerEdgeChanges {
  const before = live(previous);
  const after = live(next);
  const oldEdges = new Map((before?.spec.dependencies ?? []).map((d) => [d.service, { rps: d.rps, ns: before!.spec.namespace }]));
  const newEdges = new Map((after?.spec.dependencies ?? []).map((d) => [d.service, { rps: d.rps, ns: after!.spec.namespace }]));
  const put: CallerEdge[] = [];
  for (const [callee, e] of newEdges) {
    const old = oldEdges.get(callee);
    if (!old || old.rps !== e.rps || old.ns !== e.ns) put.push({ callee, caller: next.name, callerNamespace: e.ns, rps: e.rps });
  }
  const remove = [...oldEdges.keys()].filter((callee) => !newEdges.has(callee)).map((callee) => ({ callee, caller: next.name }));
  return { put, remove };
}
