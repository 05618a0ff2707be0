import type { EventType } from '../../model/events.js';
import { queueForEvent } from '../../platform/resources.js';

/**
 * Slack past the queue's own bound: the dead-letter drain runs every minute and ends a given-up
 * message's operation with its last error well inside it; the sweep after the deadline is the backstop.
 */
export const OPERATION_DEADLINE_MARGIN_SECONDS = 600;

/**
 * How long an operation carried by an event of `type` may stay pending: every receive its queue allows
 * (each lasting at most the visibility timeout) plus the margin. With the platform's queues:
 * register / update / deregister 360 s × 5 + 600 s = 40 min; deploy and rollback 120 s × 5 + 600 s = 20 min.
 */
export function operationDeadlineSeconds(type: EventType): number {
  const queue = queueForEvent(type);
  return queue.visibilityTimeoutSeconds * queue.maxReceiveCount + OPERATION_DEADLINE_MARGIN_SECONDS;
}

/** The deadline (ISO) of an operation accepted at `acceptedAt`. */
export function operationDeadline(type: EventType, acceptedAt: Date): string {
  return new Date(acceptedAt.getTime() + operationDeadlineSeconds(type) * 1000).toISOString();
}
