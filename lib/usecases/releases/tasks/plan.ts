import { errorMessage } from '../../../errors.js';
import type { ServiceRecord } from '../../../model/records.js';
import type { CallEdge } from '../../../model/release.js';
import type { ReleaseTaskResponse } from '../../../model/release-task-contract.js';
import type { MetricsSource } from '../../../ports/metrics-source.js';
import { declaredEdges, describeCycle, planRelease } from '../../../release/plan.js';
import { loadRelease, mutateRelease } from '../mutate-release.js';
import type { ReleaseTaskDeps } from '../release-deps.js';

/** How far back observed call edges count. */
const CALL_WINDOW_SECONDS = 600;

/** Observed calls between registered services (by namespace and name); none when the source cannot tell. */
async function observedEdges(metrics: MetricsSource, services: readonly ServiceRecord[]): Promise<{ edges: CallEdge[]; unavailable?: string }> {
  if (!metrics.callRates) return { edges: [], unavailable: 'the metrics source has no per-edge call rates' };
  try {
    const byWorkload = new Map(services.map((s) => [`${s.spec.namespace}/${s.name}`, s.name]));
    const rates = await metrics.callRates(CALL_WINDOW_SECONDS);
    const edges = rates.flatMap((r) => {
      const from = byWorkload.get(`${r.fromNamespace}/${r.from}`);
      const to = byWorkload.get(`${r.toNamespace}/${r.to}`);
      return from && to && r.rps > 0 ? [{ from, to }] : [];
    });
    return { edges };
  } catch (err) {
    return { edges: [], unavailable: `call rates could not be read: ${errorMessage(err)}` };
  }
}

/**
 * The execution's first step: re-plans the levels with the call edges observed in the mesh (declared ones
 * win; an observed edge that would close a cycle is left out and recorded) and marks the release running.
 * Done once: a retried or resumed execution keeps the plan it has.
 */
export async function planTask(deps: ReleaseTaskDeps, releaseId: string): Promise<ReleaseTaskResponse> {
  const release = await loadRelease(deps, releaseId);
  if (release.planned) return { levelCount: release.levels.length };
  const services = (await deps.store.listAllServices()).filter((s) => s.phase !== 'deleted');
  const observed = await observedEdges(deps.metrics, services);
  const plan = planRelease(
    release.items.map((i) => i.service),
    declaredEdges(services),
    observed.edges,
  );
  const at = deps.clock.now().toISOString();
  const updated = await mutateRelease(deps, releaseId, (current) => {
    if (current.planned) return undefined;
    if (!plan.ok) {
      // The declared graph changed since the request was accepted.
      const reason = `the declared dependencies now form a cycle: ${describeCycle(plan.cycle)}`;
      return { ...current, status: 'stopping', reason, planned: { at, observedEdges: observed.edges.length, ignoredEdges: [] } };
    }
    const levelOf = new Map(plan.levels.flatMap((names, level) => names.map((n) => [n, level] as const)));
    return {
      ...current,
      status: current.status === 'pending' ? 'running' : current.status,
      levels: plan.levels,
      items: current.items.map((i) => ({ ...i, level: levelOf.get(i.service) ?? i.level })),
      planned: {
        at,
        observedEdges: observed.edges.length,
        ignoredEdges: plan.ignored,
        ...(observed.unavailable ? { observedUnavailable: observed.unavailable } : {}),
      },
    };
  });
  return { levelCount: updated.status === 'running' ? updated.levels.length : 0 };
}
