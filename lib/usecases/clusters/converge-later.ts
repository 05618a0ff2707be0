import { SCHEMA_VERSION, type EventEnvelope } from '../../model/events.js';
import type { ServiceRecord } from '../../model/records.js';
import type { Clock } from '../../ports/clock.js';
import type { EventQueue } from '../../ports/event-queue.js';
import type { ConvergeKind, ConvergeOptions, ServiceConverger } from '../../ports/service-converger.js';

/**
 * The id (and SQS deduplication id) of the request to converge `service` to version `version` of its
 * record; a request scoped to some kinds has an id of its own, so it never stands in for a full one.
 */
export const convergeMessageId = (service: string, version: number, kinds?: readonly ConvergeKind[]) =>
  `converge-${service}-v${version}${kinds?.length ? `-${[...kinds].sort().join('-')}` : ''}`;

/** The `service.converge` message that asks the cluster side to converge `record`'s service (only `kinds` when given). */
export function convergeMessage(record: ServiceRecord, now: Date, kinds?: readonly ConvergeKind[]): EventEnvelope {
  const id = convergeMessageId(record.name, record.version, kinds);
  return {
    id,
    type: 'service.converge',
    service: record.name,
    occurredAt: now.toISOString(),
    correlationId: record.lastOperationId || id,
    schemaVersion: SCHEMA_VERSION,
    payload: { version: record.version, ...(kinds?.length ? { kinds: [...kinds] } : {}) },
  };
}

/**
 * A converger for handlers that hold no cluster access (the alarm intake): instead of applying, it queues
 * `service.converge` on the service-events FIFO queue, in the service's message group, for the cluster
 * side (on-service-event) to converge the service to its stored record. The message names the service,
 * not the change (level-based): a duplicate, or one overtaken by a later change, converges to whatever is
 * stored then. Its id carries the record version, so sending it again for one version is deduplicated.
 * A change that renders differently only in some kinds (a restart: the Deployment) says so in `kinds`,
 * and the cluster side applies only those (one request instead of every object and a prune).
 */
export function convergeLater(deps: { queue: EventQueue; clock: Clock }): ServiceConverger {
  return {
    converge: (record, _previous, options?: ConvergeOptions) => deps.queue.send(convergeMessage(record, deps.clock.now(), options?.kinds)),
    levelBased: true,
  };
}
