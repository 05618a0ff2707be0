import { NotFoundError } from '../../errors.js';
import type { AuditEvent, DeploymentRecord, OperationRecord, Page, PageRequest, RevisionRecord, ServiceRecord } from '../../model/records.js';
import type { ServiceStatusReader } from '../../ports/service-status-reader.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus, type ServiceStatus } from '../../model/observed-status.js';
import type { Clock } from '../../ports/clock.js';

export type { ServiceStatus };

export type { ServiceStatusReader };

/** What the reconcile last observed of a service, with how old that observation is. */
export type ServiceStatusView = ObservedServiceStatus & { ageSeconds: number };

export interface ServiceView extends Omit<ServiceRecord, 'lastOperationId'> {
  lastOperationId: string;
  /** The stored observation; `{error: 'not observed yet'}` until the reconcile has looked at the service. */
  status?: ServiceStatusView | { error: string };
}

export const NOT_OBSERVED_YET = 'not observed yet';

function live(record: ServiceRecord | undefined, name: string): ServiceRecord {
  if (!record || record.phase === 'deleted') throw new NotFoundError(`service "${name}" is not registered`);
  return record;
}

/**
 * A service with the status the reconcile recorded (never read from the cluster here: the API does not
 * call clusters), and its age in seconds, so a caller can tell a fresh observation from a stale one.
 */
export async function getService(deps: { store: ServiceStore & DocumentStore; clock: Clock }, name: string): Promise<ServiceView> {
  const [stored, observed] = await Promise.all([deps.store.getService(name), deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, name)]);
  const record = live(stored, name);
  if (!observed) return { ...record, status: { error: NOT_OBSERVED_YET } };
  const ageSeconds = Math.max(0, Math.round((deps.clock.now().getTime() - Date.parse(observed.value.observedAt)) / 1000));
  return { ...record, status: { ...observed.value, ageSeconds } };
}

export async function listServices(store: ServiceStore, page: PageRequest): Promise<Page<ServiceRecord>> {
  return store.listServices(page);
}

export async function getOperation(store: OperationStore, id: string): Promise<OperationRecord> {
  const op = await store.getOperation(id);
  if (!op) throw new NotFoundError(`operation "${id}" does not exist (operations are kept for 30 days)`);
  // The outbox is the platform's own bookkeeping (a copy of the request), not part of the answer.
  const { outbox: _outbox, ...view } = op;
  return view;
}

export async function listEvents(store: ServiceStore & AuditLog, name: string, page: PageRequest): Promise<Page<AuditEvent>> {
  const [record, events] = await Promise.all([store.getService(name), store.listEvents(name, page)]);
  // Alarms about unregistered services (and `unmapped-alarms`) are recorded under that name: readable, not 404.
  if (!record && events.items.length === 0) throw new NotFoundError(`service "${name}" has never been registered`);
  return events;
}

export async function listRevisions(store: ServiceStore & RevisionStore, name: string, page: PageRequest): Promise<Page<RevisionRecord>> {
  live(await store.getService(name), name);
  return store.listRevisions(name, page);
}

export async function listDeployments(store: ServiceStore & DeploymentStore, name: string, page: PageRequest): Promise<Page<DeploymentRecord>> {
  live(await store.getService(name), name);
  return store.listDeployments(name, page);
}

export async function getDeployment(store: DeploymentStore, name: string, id: string): Promise<DeploymentRecord> {
  const deployment = await store.getDeployment(name, id);
  if (!deployment) throw new NotFoundError(`service "${name}" has no deployment "${id}"`);
  return deployment;
}
