import { createHash } from 'node:crypto';
import { ValidationError, VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import { canonicalJson } from '../../model/canonical-json.js';
import type { OperationRecord } from '../../model/records.js';
import { RELEASE_ENDED, type ReleaseRequest } from '../../model/release.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ReleaseStore } from '../../ports/release-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import { declaredEdges, describeCycle, planRelease } from '../../release/plan.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from '../shared/accept-operation.js';

type Deps = CoreDeps<ServiceStore & OperationStore & DocumentStore & ReleaseStore>;

/** The claim a release holds on its request (document `release-claim`/hash of the request). */
interface ReleaseClaim {
  releaseId: string;
  operationId: string;
  claimedAt: string;
}

/** A claim whose operation has not been written yet is young for this long before it counts as abandoned. */
const UNWRITTEN_CLAIM_GRACE_MS = 60_000;

export interface AcceptedRelease {
  releaseId: string;
  operationId: string;
  levels: string[][];
  /** The same request was accepted before and its release has not ended: nothing new was started. */
  duplicate: boolean;
}

/**
 * Accepts a release train (`POST /v1/releases`): every item must name a registered service; the plan
 * orders them by the declared dependency graph (a cycle is a 400 naming it); the release is recorded and
 * its execution started from the deploy queue. The execution re-plans with observed call edges.
 *
 * Duplicates: the request (its items, in any order, and onFailure) claims a document, as a service
 * registration claims its name. While the release holding the claim has not ended, the same request
 * answers with that release instead of starting another; concurrent duplicates meet at the conditional
 * write of the claim. Once the release has ended, the same request starts a new one.
 */
export async function requestRelease(deps: Deps, request: ReleaseRequest, correlationId?: string): Promise<AcceptedRelease> {
  const services = await deps.store.listAllServices();
  const live = new Set(services.filter((s) => s.phase !== 'deleted').map((s) => s.name));
  const problems = request.items.flatMap((item, i) =>
    live.has(item.service) ? [] : [{ path: `items.${i}.service`, message: `no service "${item.service}" is registered` }],
  );
  if (problems.length > 0) throw new ValidationError(problems);
  const names = request.items.map((i) => i.service);
  const plan = planRelease(names, declaredEdges(services));
  if (!plan.ok) {
    throw new ValidationError([
      {
        path: 'items',
        message: `the declared dependencies form a cycle: ${describeCycle(plan.cycle)}; a train cannot release services that depend on each other in order`,
      },
    ]);
  }

  const key = createHash('sha256')
    .update(canonicalJson({ items: [...request.items].sort((a, b) => a.service.localeCompare(b.service)), onFailure: request.onFailure }))
    .digest('hex')
    .slice(0, 40);
  const existing = await deps.store.getDocument<ReleaseClaim>('release-claim', key);
  if (existing && (await claimIsLive(deps, existing.value))) return { ...existing.value, levels: plan.levels, duplicate: true };

  const now = deps.clock.now();
  const claim: ReleaseClaim = { releaseId: newId('rel', now), operationId: newId('op', now), claimedAt: now.toISOString() };
  try {
    await deps.store.putDocument('release-claim', key, claim, existing?.version ?? null);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    // A concurrent duplicate won: answer with its release.
    const winner = await deps.store.getDocument<ReleaseClaim>('release-claim', key);
    if (winner) return { ...winner.value, levels: plan.levels, duplicate: true };
    throw err;
  }
  const operation: OperationRecord = await acceptOperation(deps, {
    id: claim.operationId,
    kind: 'release',
    type: 'release.requested',
    service: claim.releaseId,
    payload: { releaseId: claim.releaseId, items: request.items, onFailure: request.onFailure, levels: plan.levels },
    correlationId,
  });
  return { releaseId: claim.releaseId, operationId: operation.id, levels: plan.levels, duplicate: false };
}

async function claimIsLive(deps: Deps, claim: ReleaseClaim): Promise<boolean> {
  const operation = await deps.store.getOperation(claim.operationId);
  if (!operation) return deps.clock.now().getTime() - Date.parse(claim.claimedAt) < UNWRITTEN_CLAIM_GRACE_MS;
  if (operation.status === 'pending') return true;
  if (operation.status === 'failed') return false;
  const release = await deps.store.getRelease(claim.releaseId);
  return Boolean(release && !RELEASE_ENDED.has(release.status));
}
