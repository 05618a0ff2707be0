import type { Clock } from '../ports/clock.js';
import type { EventQueue } from '../ports/event-queue.js';
import type { StateStore } from '../ports/state-store.js';

/** The ports every use case may need. Adapters are chosen by the composition root, never here. */
export interface CoreDeps {
  store: StateStore;
  queue: EventQueue;
  clock: Clock;
}
