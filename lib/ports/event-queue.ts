import type { EventEnvelope } from '../model/events.js';

/**
 * Where accepted work goes. FIFO per service (the message group), deduplicated by operation id: sending
 * the same envelope twice enqueues it once.
 */
export interface EventQueue {
  send(event: EventEnvelope): Promise<void>;
}
