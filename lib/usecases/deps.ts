import type { Clock } from '../ports/clock.js';
import type { EventQueue } from '../ports/event-queue.js';
import type { StateStore } from '../ports/state-store.js';

/**
 * The ports every use case may need. Adapters are chosen by the composition root, never here. A use
 * case names the store ports it uses (`CoreDeps<ServiceStore & AuditLog>`); the default is all of them.
 */
export interface CoreDeps<Store = StateStore> {
  store: Store;
  queue: EventQueue;
  clock: Clock;
}
