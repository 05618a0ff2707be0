import { AlreadyExistsError, NotFoundError, ValidationError, VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { OperationRecord, ServiceRecord } from '../../model/records.js';
import type { ServiceSpec } from '../../model/service-spec.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from '../shared/accept-operation.js';

/** The store ports a request for a service change uses (name claims are documents). */
type Deps = CoreDeps<ServiceStore & OperationStore & DocumentStore & ClusterStore>;

export interface AcceptedServiceChange {
  operation: OperationRecord;
  /** The spec with every default filled in, as it will be applied. */
  service?: ServiceSpec;
}

async function requireActive(deps: Deps, name: string): Promise<ServiceRecord> {
  const current = await deps.store.getService(name);
  if (!current || current.phase === 'deleted') throw new NotFoundError(`service "${name}" is not registered`);
  return current;
}

async function requireKnownCluster(deps: Deps, spec: ServiceSpec): Promise<void> {
  if (spec.cluster && !(await deps.store.getCluster(spec.cluster)))
    throw new ValidationError([{ path: 'cluster', message: `no cluster "${spec.cluster}" is registered` }]);
  const known = await Promise.all((spec.clusters ?? []).map((id) => deps.store.getCluster(id)));
  const problems = (spec.clusters ?? []).flatMap((id, i) => (known[i] ? [] : [{ path: `clusters.${i}`, message: `no cluster "${id}" is registered` }]));
  if (problems.length) throw new ValidationError(problems);
}

/** The claim on a service name, held by the registration that takes it (document 'name-claim'/name). */
interface NameClaim {
  operationId: string;
  claimedAt: string;
}

/** A claim whose operation has not been written yet is young for this long before it counts as abandoned. */
const UNWRITTEN_CLAIM_GRACE_MS = 60_000;

const taken = (name: string) => new AlreadyExistsError(`service "${name}" is already registered; use PUT /v1/services/${name} to change it`);

/**
 * Whether a claim still holds the name: its registration is pending, or succeeded and the service still
 * exists. A claim is released by what happened after it (the registration failed, the service was
 * deleted), so nothing has to remember to delete it.
 */
async function claimIsLive(deps: Deps, name: string, claim: NameClaim): Promise<boolean> {
  const operation = await deps.store.getOperation(claim.operationId);
  if (!operation) return deps.clock.now().getTime() - Date.parse(claim.claimedAt) < UNWRITTEN_CLAIM_GRACE_MS;
  if (operation.status === 'pending') return true;
  if (operation.status === 'failed') return false;
  const service = await deps.store.getService(name);
  return Boolean(service && service.phase !== 'deleted');
}

/**
 * Takes the name for one registration. The conditional write of the claim document is where concurrent
 * creates of one name meet: exactly one writes it (or replaces a claim that no longer holds), the others
 * get AlreadyExistsError (409).
 */
async function claimName(deps: Deps, name: string, operationId: string): Promise<void> {
  const claim: NameClaim = { operationId, claimedAt: deps.clock.now().toISOString() };
  const existing = await deps.store.getDocument<NameClaim>('name-claim', name);
  if (existing && (await claimIsLive(deps, name, existing.value))) throw taken(name);
  try {
    await deps.store.putDocument('name-claim', name, claim, existing?.version ?? null);
  } catch (err) {
    if (err instanceof VersionConflictError) throw taken(name);
    throw err;
  }
}

/**
 * Accepts a new service: 409 when the name is taken, also by a registration still pending (concurrent
 * creates of one name: one 202, the rest 409); the queue handler does the work.
 */
export async function requestRegistration(deps: Deps, spec: ServiceSpec, correlationId?: string): Promise<AcceptedServiceChange> {
  const current = await deps.store.getService(spec.name);
  if (current && current.phase !== 'deleted') throw taken(spec.name);
  await requireKnownCluster(deps, spec);
  const id = newId('op', deps.clock.now());
  await claimName(deps, spec.name, id);
  const operation = await acceptOperation(deps, { id, kind: 'register', type: 'service.registered', service: spec.name, payload: { spec }, correlationId });
  return { operation, service: spec };
}

/** Accepts a new spec for a registered service. */
export async function requestUpdate(deps: Deps, name: string, spec: ServiceSpec, correlationId?: string): Promise<AcceptedServiceChange> {
  if (spec.name !== name) throw new ValidationError([{ path: 'name', message: `must match the service in the path ("${name}")` }]);
  await requireActive(deps, name);
  await requireKnownCluster(deps, spec);
  const operation = await acceptOperation(deps, { kind: 'update', type: 'service.updated', service: name, payload: { spec }, correlationId });
  return { operation, service: spec };
}

/** Accepts the removal of a service and everything meshplane created for it. */
export async function requestDeregistration(deps: Deps, name: string, correlationId?: string): Promise<AcceptedServiceChange> {
  await requireActive(deps, name);
  const operation = await acceptOperation(deps, { kind: 'deregister', type: 'service.deregistered', service: name, payload: {}, correlationId });
  return { operation };
}
