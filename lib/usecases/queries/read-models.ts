import { NotFoundError } from '../../errors.js';
import type { AuditEvent, DeploymentRecord, OperationRecord, Page, PageRequest, RevisionRecord, ServiceRecord } from '../../model/records.js';
import type { ServiceStatusReader } from '../../ports/service-status-reader.js';
import type { StateStore } from '../../ports/state-store.js';

import type { ServiceStatus } from '../../model/observed-status.js';

export type { ServiceStatus };

export type { ServiceStatusReader };

export interface ServiceView extends Omit<ServiceRecord, 'lastOperationId'> {
  lastOperationId: string;
  status?: ServiceStatus | { error: string };
}

function live(record: ServiceRecord | undefined, name: string): ServiceRecord {
  if (!record || record.phase === 'deleted') throw new NotFoundError(`service "${name}" is not registered`);
  return record;
}

export async function getService(store: StateStore, name: string, status?: ServiceStatusReader): Promise<ServiceView> {
  const record = live(await store.getService(name), name);
  return status ? { ...record, status: await status.read(record) } : record;
}

export async function listServices(store: StateStore, page: PageRequest): Promise<Page<ServiceRecord>> {
  return store.listServices(page);
}

export async function getOperation(store: StateStore, id: string): Promise<OperationRecord> {
  const op = await store.getOperation(id);
  if (!op) throw new NotFoundError(`operation "${id}" does not exist (operations are kept for 30 days)`);
  return op;
}

export async function listEvents(store: StateStore, name: string, page: PageRequest): Promise<Page<AuditEvent>> {
  const [record, events] = await Promise.all([store.getService(name), store.listEvents(name, page)]);
  // Alarms about unregistered services (and `unmapped-alarms`) are recorded under that name: readable, not 404.
  if (!record && events.items.length === 0) throw new NotFoundError(`service "${name}" has never been registered`);
  return events;
}

export async function listRevisions(store: StateStore, name: string, page: PageRequest): Promise<Page<RevisionRecord>> {
  live(await store.getService(name), name);
  return store.listRevisions(name, page);
}

export async function listDeployments(store: StateStore, name: string, page: PageRequest): Promise<Page<DeploymentRecord>> {
  live(await store.getService(name), name);
  return store.listDeployments(name, page);
}

export async function getDeployment(store: StateStore, name: string, id: string): Promise<DeploymentRecord> {
  const deployment = await store.getDeployment(name, id);
  if (!deployment) throw new NotFoundError(`service "${name}" has no deployment "${id}"`);
  return deployment;
}
