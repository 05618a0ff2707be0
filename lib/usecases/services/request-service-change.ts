import { AlreadyExistsError, NotFoundError, ValidationError } from '../../errors.js';
import type { OperationRecord, ServiceRecord } from '../../model/records.js';
import type { ServiceSpec } from '../../model/service-spec.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from '../shared/accept-operation.js';

export interface AcceptedServiceChange {
  operation: OperationRecord;
  /** The spec with every default filled in, as it will be applied. */
  service?: ServiceSpec;
}

async function requireActive(deps: CoreDeps, name: string): Promise<ServiceRecord> {
  const current = await deps.store.getService(name);
  if (!current || current.phase === 'deleted') throw new NotFoundError(`service "${name}" is not registered`);
  return current;
}

async function requireKnownCluster(deps: CoreDeps, spec: ServiceSpec): Promise<void> {
  if (spec.cluster && !(await deps.store.getCluster(spec.cluster)))
    throw new ValidationError([{ path: 'cluster', message: `no cluster "${spec.cluster}" is registered` }]);
}

/** Accepts a new service: 409 when the name is taken; the queue handler does the work. */
export async function requestRegistration(deps: CoreDeps, spec: ServiceSpec, correlationId?: string): Promise<AcceptedServiceChange> {
  const current = await deps.store.getService(spec.name);
  if (current && current.phase !== 'deleted') throw new AlreadyExistsError(`service "${spec.name}" is already registered; use PUT /v1/services/${spec.name} to change it`);
  await requireKnownCluster(deps, spec);
  const operation = await acceptOperation(deps, { kind: 'register', type: 'service.registered', service: spec.name, payload: { spec }, correlationId });
  return { operation, service: spec };
}

/** Accepts a new spec for a registered service. */
export async function requestUpdate(deps: CoreDeps, name: string, spec: ServiceSpec, correlationId?: string): Promise<AcceptedServiceChange> {
  if (spec.name !== name) throw new ValidationError([{ path: 'name', message: `must match the service in the path ("${name}")` }]);
  await requireActive(deps, name);
  await requireKnownCluster(deps, spec);
  const operation = await acceptOperation(deps, { kind: 'update', type: 'service.updated', service: name, payload: { spec }, correlationId });
  return { operation, service: spec };
}

/** Accepts the removal of a service and everything meshplane created for it. */
export async function requestDeregistration(deps: CoreDeps, name: string, correlationId?: string): Promise<AcceptedServiceChange> {
  await requireActive(deps, name);
  const operation = await acceptOperation(deps, { kind: 'deregister', type: 'service.deregistered', service: name, payload: {}, correlationId });
  return { operation };
}
