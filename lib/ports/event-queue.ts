import type { EventEnvelope } from '../model/events.js';

/**
 * Where accepted work goes. FIFO per service (the message group), deduplicated by operation id: sending
 * the same envelope twice enqueues it once.
 */
export interface EventQueue {
  send(event: EventEnvelope): Promise<void>;
}

/** A message that a queue gave up on and moved to its dead-letter queue. */
export interface DeadLetter {
  /** The dead-letter queue's name, for messages a person reads. */
  queue: string;
  body: string;
  /** Receives so far, as the dead-letter queue reports them. */
  receiveCount: number;
  /** Opaque handle to delete it with. */
  handle: string;
}

/** The dead-letter queues of the event queues, read by the drain. */
export interface DeadLetterQueues {
  /**
   * Up to `max` messages across every dead-letter queue; each stays hidden from further receives for a
   * while (so a crash mid-drain reads it again later) unless deleted.
   */
  receive(max: number): Promise<DeadLetter[]>;
  delete(letter: DeadLetter): Promise<void>;
}
