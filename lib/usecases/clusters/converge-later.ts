import { SCHEMA_VERSION, type EventEnvelope } from '../../model/events.js';
import type { ServiceRecord } from '../../model/records.js';
import type { Clock } from '../../ports/clock.js';
import type { EventQueue } from '../../ports/event-queue.js';
import type { ServiceConverger } from '../../ports/service-converger.js';

/** The id (and SQS deduplication id) of the request to converge `service` to version `version` of its record. */
export const convergeMessageId = (service: string, version: number) => `converge-${service}-v${version}`;

/** The `service.converge` message that asks the cluster side to converge `record`'s service. */
export function convergeMessage(record: ServiceRecord, now: Date): EventEnvelope {
  const id = convergeMessageId(record.name, record.version);
  return {
    id,
    type: 'service.converge',
    service: record.name,
    occurredAt: now.toISOString(),
    correlationId: record.lastOperationId || id,
    schemaVersion: SCHEMA_VERSION,
    payload: { version: record.version },
  };
}

/**
 * A converger for handlers that hold no cluster access (the alarm intake): instead of applying, it queues
 * `service.converge` on the service-events FIFO queue, in the service's message group, for the cluster
 * side (on-service-event) to converge the service to its stored record. The message names the service,
 * not the change (level-based): a duplicate, or one overtaken by a later change, converges to whatever is
 * stored then. Its id carries the record version, so sending it again for one version is deduplicated.
 */
export function convergeLater(deps: { queue: EventQueue; clock: Clock }): ServiceConverger {
  return {
    converge: (record) => deps.queue.send(convergeMessage(record, deps.clock.now())),
    levelBased: true,
  };
}
