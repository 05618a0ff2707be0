/**
 * Makes an optimizer run's routing decision real. Each service's zone routing is stored on its record
 * (`routing`, with the run id and the regions of the zones it names) and the service is converged, so
 * its DestinationRule carries the locality settings and its Service the traffic distribution
 * (lib/mesh/locality-lb.ts). Level-based like every other change: the record is the truth, the probe's
 * reconcile re-renders it, and running it twice changes nothing the second time.
 *
 * A decision names the services whose routing it chose; the others the run modelled keep `uniform`, as
 * the model assumed. Not touched: services in a rollout (the rollout owns their objects until it ends),
 * and services whose spec fixes a policy (`mesh.localityRouting` uniform or preferSameZone).
 */
import { errorMessage, NotFoundError } from '../../errors.js';
import { REGION_LABEL } from '../../mesh/locality-lb.js';
import type { LocalityRouting, RoutingDecision } from '../../model/locality-routing.js';
import type { RoutingState, ServiceRecord } from '../../model/records.js';
import type { NodeInfo } from '../../ports/cluster-client.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { AuditLog } from '../../ports/audit-log.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';

export interface RoutingOutcome {
  service: string;
  mode: LocalityRouting['mode'];
  /** applied: stored and converged; unchanged: it already was; kept: not touched (see `reason`); failed: see `reason`. */
  outcome: 'applied' | 'unchanged' | 'kept' | 'failed';
  reason?: string;
}

/** Region of each zone, from the nodes' `topology.kubernetes.io/region` labels (zones without one are left out). Pure. */
export function zoneRegions(nodes: readonly NodeInfo[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const region = n.labels[REGION_LABEL];
    if (n.zone && region && !out[n.zone]) out[n.zone] = region;
  }
  return out;
}

/** The state to store for `routing`: the regions of the zones it names only, so unrelated node changes do not rewrite it. */
export function routingState(routing: LocalityRouting, runId: string, regions: Record<string, string>): RoutingState {
  const zones = new Set((routing.distribute ?? []).flatMap((d) => [d.from, ...Object.keys(d.to)]));
  const named = Object.fromEntries([...zones].sort().flatMap((z) => (regions[z] ? [[z, regions[z]]] : [])));
  return {
    runId,
    mode: routing.mode,
    ...(routing.mode === 'distribute' && routing.distribute ? { distribute: routing.distribute } : {}),
    ...(Object.keys(named).length > 0 ? { regions: named } : {}),
  };
}

const sameRouting = (a: RoutingState | undefined, b: RoutingState): boolean =>
  a !== undefined && JSON.stringify({ ...a, runId: '' }) === JSON.stringify({ ...b, runId: '' });

/** Why a service's routing is not the optimizer's to change now, or undefined when it is. */
function keptBecause(record: ServiceRecord | undefined): string | undefined {
  if (!record || record.phase === 'deleted') return 'the service is not registered';
  if (record.traffic) return `rollout ${record.traffic.deploymentId} is running`;
  const policy = record.spec.mesh.localityRouting ?? 'auto';
  if (policy !== 'auto') return `its spec fixes mesh.localityRouting: ${policy}`;
  return undefined;
}

/** A sentence for the audit trail. */
export function describeRouting(routing: LocalityRouting): string {
  if (routing.mode === 'uniform') return 'round-robin over every zone';
  if (routing.mode === 'preferSameZone') return 'same zone first, other zones when it has no endpoints left';
  return (routing.distribute ?? [])
    .map(
      (d) =>
        `from ${d.from}: ${Object.entries(d.to)
          .map(([zone, share]) => `${share}% ${zone}`)
          .join(', ')}`,
    )
    .join('; ');
}

/**
 * Stores and converges `decision` for `modelled` (the services the run placed) and every service it names.
 * One service failing does not stop the others; its outcome says why.
 */
export async function applyRouting(
  deps: RolloutDeps<ServiceStore & AuditLog>,
  decision: RoutingDecision,
  modelled: readonly string[],
  runId: string,
  regions: Record<string, string>,
): Promise<RoutingOutcome[]> {
  const names = [...new Set([...modelled, ...Object.keys(decision)])].sort();
  const records = new Map((await deps.store.getServices(names)).map((r) => [r.name, r]));
  const out: RoutingOutcome[] = [];
  for (const service of names) {
    const routing = decision[service] ?? { mode: 'uniform' };
    const next = routingState(routing, runId, regions);
    const kept = keptBecause(records.get(service));
    if (kept) {
      out.push({ service, mode: routing.mode, outcome: 'kept', reason: kept });
      continue;
    }
    if (sameRouting(records.get(service)?.routing, next)) {
      out.push({ service, mode: routing.mode, outcome: 'unchanged' });
      continue;
    }
    let result: RoutingOutcome = { service, mode: routing.mode, outcome: 'unchanged' };
    try {
      await mutateService(deps, service, (svc) => {
        // Decided again on the latest record: a rollout may have started, or the spec changed, since the listing.
        const reason = keptBecause(svc);
        if (reason) result = { service, mode: routing.mode, outcome: 'kept', reason };
        else if (sameRouting(svc.routing, next)) result = { service, mode: routing.mode, outcome: 'unchanged' };
        else result = { service, mode: routing.mode, outcome: 'applied' };
        if (result.outcome !== 'applied') return undefined;
        const message = `optimizer run ${runId} routes calls to ${service}: ${describeRouting(routing)}`;
        return { record: { ...svc, routing: next }, events: [auditEvent(deps, service, 'RoutingChanged', message, { runId, routing })] };
      });
    } catch (err) {
      result =
        err instanceof NotFoundError
          ? { service, mode: routing.mode, outcome: 'kept', reason: 'the service is not registered' }
          : { service, mode: routing.mode, outcome: 'failed', reason: errorMessage(err) };
    }
    out.push(result);
  }
  return out;
}
