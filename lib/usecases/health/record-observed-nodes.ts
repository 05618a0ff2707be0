import { errorMessage, VersionConflictError } from '../../errors.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import { OBSERVED_NODES_DOC, type ObservedClusterNodes } from '../../model/observed-status.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { CoreDeps } from '../deps.js';
import type { ClusterSnapshot } from './cluster-snapshots.js';

/** An observation nobody refreshes (the cluster was deregistered) expires after a day. */
const OBSERVED_NODES_TTL_SECONDS = 24 * 3600;

/**
 * Records each cluster's nodes as this probe run read them (OBSERVED_NODES_DOC, one document per
 * cluster): the alarm intake, which reads no cluster, evacuates a zone by these. Last writer wins; each
 * run writes a full observation. Returns the errors, for the probe's list.
 */
export async function recordObservedNodes(
  deps: CoreDeps<DocumentStore>,
  read: { cluster: ClusterRegistration; snapshot: ClusterSnapshot }[],
  now: Date,
): Promise<string[]> {
  const errors: string[] = [];
  for (const { cluster, snapshot } of read) {
    const value: ObservedClusterNodes = {
      nodes: snapshot.nodes.map((n) => ({ name: n.name, zone: n.zone, ready: n.ready })).sort((a, b) => a.name.localeCompare(b.name)),
      observedAt: now.toISOString(),
    };
    try {
      await putObservation(deps, cluster.id, value);
    } catch (err) {
      errors.push(`nodes of cluster ${cluster.id}: ${errorMessage(err)}`);
    }
  }
  return errors;
}

/** Writes over whatever version is stored: created the first time, replaced after a read every other time. */
async function putObservation(deps: CoreDeps<DocumentStore>, clusterId: string, value: ObservedClusterNodes): Promise<void> {
  try {
    await deps.store.putDocument(OBSERVED_NODES_DOC, clusterId, value, null, OBSERVED_NODES_TTL_SECONDS);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    const current = await deps.store.getDocument<ObservedClusterNodes>(OBSERVED_NODES_DOC, clusterId);
    await deps.store.putDocument(OBSERVED_NODES_DOC, clusterId, value, current?.version ?? null, OBSERVED_NODES_TTL_SECONDS);
  }
}
