import { canonicalJson } from '../../model/canonical-json.js';
import type { EventType } from '../../model/events.js';
import type { AuditEvent, RevisionRecord, ServiceRecord } from '../../model/records.js';
import type { ServiceSpec } from '../../model/service-spec.js';

export type ServiceTransition =
  | { kind: 'commit'; record: ServiceRecord; expectedVersion: number | null; revision?: RevisionRecord; event: AuditEvent; message: string }
  | { kind: 'reject'; reason: string };

/**
 * What a lifecycle event does to a service, decided from the stored record alone (pure). Applying the
 * same event to the state it produced is rejected or a no-op, never a second change.
 *
 * - registered: only when the name is free (never registered, or deregistered: revisions continue);
 * - updated: a new revision when the spec differs, otherwise nothing but the operation's outcome;
 * - deregistered: a tombstone (phase `deleted`) that keeps the revision counter and history.
 *
 * The caller supplies the time and the audit event's id (`newId('evt', now)`), so the same inputs always give the same
 * transition.
 */
export function decideServiceTransition(
  type: EventType,
  current: ServiceRecord | undefined,
  spec: ServiceSpec | undefined,
  operationId: string,
  now: Date,
  eventId: string,
): ServiceTransition {
  const at = now.toISOString();
  const live = current && current.phase !== 'deleted' ? current : undefined;
  const event = (eventType: string, message: string, data?: Record<string, unknown>): AuditEvent => ({
    service: (spec?.name ?? current?.name)!,
    id: eventId,
    at,
    type: eventType,
    message,
    operationId,
    data,
  });

  switch (type) {
    case 'service.registered': {
      if (!spec) return { kind: 'reject', reason: 'the event carries no spec' };
      if (live) return { kind: 'reject', reason: `service "${spec.name}" is already registered` };
      const revision = (current?.revision ?? 0) + 1;
      const record: ServiceRecord = {
        name: spec.name,
        spec,
        version: (current?.version ?? 0) + 1,
        revision,
        podRevision: revision,
        phase: 'active',
        createdAt: at,
        updatedAt: at,
        lastOperationId: operationId,
      };
      return {
        kind: 'commit',
        record,
        expectedVersion: current ? current.version : null,
        revision: { service: spec.name, revision, spec, createdAt: at, operationId },
        event: event('ServiceRegistered', `registered ${spec.name} at revision ${revision} with image ${spec.image}`, { revision, image: spec.image }),
        message: 'registered',
      };
    }
    case 'service.updated': {
      if (!spec) return { kind: 'reject', reason: 'the event carries no spec' };
      if (!live) return { kind: 'reject', reason: `service "${spec.name}" is not registered` };
      const changed = canonicalJson(spec) !== canonicalJson(live.spec);
      const revision = changed ? live.revision + 1 : live.revision;
      const record: ServiceRecord = {
        ...live,
        spec,
        version: live.version + 1,
        revision,
        podRevision: nextPodRevision(live, spec, revision),
        phase: 'active',
        reason: undefined,
        updatedAt: at,
        lastOperationId: operationId,
      };
      return {
        kind: 'commit',
        record,
        expectedVersion: live.version,
        revision: changed ? { service: spec.name, revision, spec, createdAt: at, operationId } : undefined,
        event: changed
          ? event('ServiceUpdated', `updated ${spec.name} to revision ${revision}`, { revision, changed: changedFields(live.spec, spec) })
          : event('ServiceUnchanged', `the new spec of ${spec.name} equals revision ${revision}; nothing to change`),
        message: changed ? 'updated' : 'unchanged',
      };
    }
    case 'service.deregistered': {
      if (!live) return { kind: 'reject', reason: `service "${current?.name ?? 'unknown'}" is not registered` };
      return {
        kind: 'commit',
        record: { ...live, version: live.version + 1, phase: 'deleted', updatedAt: at, lastOperationId: operationId },
        expectedVersion: live.version,
        event: event('ServiceDeregistered', `deregistered ${live.name}`),
        message: 'deregistered',
      };
    }
    default:
      return { kind: 'reject', reason: `${type} is not a service lifecycle event` };
  }
}

const POD_FIELDS = ['image', 'port', 'resources', 'env', 'probes', 'namespace'] as const;

/** Whether a spec change changes the pods themselves (and so must restart them). */
export function podTemplateChanged(before: ServiceSpec, after: ServiceSpec): boolean {
  return POD_FIELDS.some((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
}

/** The pod revision of a record whose spec moved from `before` to `after` at `revision`. */
export function nextPodRevision(current: { revision: number; podRevision?: number; spec: ServiceSpec }, after: ServiceSpec, revision: number): number {
  return podTemplateChanged(current.spec, after) ? revision : (current.podRevision ?? current.revision);
}

/** Top-level spec fields that differ, for the audit trail. */
export function changedFields(before: ServiceSpec, after: ServiceSpec): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ServiceSpec>;
  return [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k])).sort();
}
