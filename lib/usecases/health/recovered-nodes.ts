import { actionsFor, type RemediationLedger } from '../../health/remediation-ledger.js';
import type { RemediationPolicy } from '../../health/remediation-policy.js';
import type { PlacementState } from '../../model/records.js';
import type { NodeInfo } from '../../ports/cluster-client.js';

/** An avoided node the service may use again, and why. */
export interface ReleasedNode {
  node: string;
  why: 'ready' | 'gone';
}

/**
 * Which of the nodes a service avoids (remediation evacuated it from them) it may use again: those
 * that are Ready again, and names of nodes that no longer exist (a replaced node never comes back, and
 * a new one may reuse the name). A node that is still NotReady stays avoided. An empty node listing
 * says nothing about which nodes exist, so it releases nothing. Pure.
 */
export function nodesToStopAvoiding(avoidNodes: readonly string[] | undefined, nodes: readonly NodeInfo[]): ReleasedNode[] {
  if (!avoidNodes?.length || nodes.length === 0) return [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const released: ReleasedNode[] = [];
  for (const node of [...new Set(avoidNodes)].sort()) {
    const info = byName.get(node);
    if (info === undefined) released.push({ node, why: 'gone' });
    else if (info.ready) released.push({ node, why: 'ready' });
  }
  return released;
}

/** The placement without `released` among its avoided nodes (the rest of it is kept as it is). */
export function placementWithout(placement: PlacementState, released: readonly string[]): PlacementState {
  const gone = new Set(released);
  const avoidNodes = (placement.avoidNodes ?? []).filter((n) => !gone.has(n));
  return { ...placement, avoidNodes: avoidNodes.length > 0 ? avoidNodes : undefined };
}

/**
 * Whether remediation evacuated the service within the escalation window. Its avoided nodes stay
 * avoided meanwhile, Ready or not: an evacuation for failures concentrated on a node or zone happens
 * while its nodes are Ready, and releasing them at the next probe would send the pods straight back,
 * at a time when the policy would not evacuate them again. Dry runs evacuated nothing. Pure.
 */
export function evacuatedRecently(ledger: RemediationLedger, service: string, policy: RemediationPolicy, now: Date): boolean {
  return actionsFor(ledger, service).some(
    (a) => !a.dryRun && (a.kind === 'evacuateNode' || a.kind === 'evacuateZone') && now.getTime() - Date.parse(a.at) < policy.escalationWindowSeconds * 1_000,
  );
}
