import type { ServiceStore } from '../../ports/service-store.js';

/** A service as alarm mapping knows it. */
export interface KnownService {
  name: string;
  namespace: string;
}

/** How long a read of every service serves the alarms that follow it. */
export const KNOWN_SERVICES_TTL_MS = 5_000;

const cache = new WeakMap<object, { readAt: number; services: Promise<KnownService[]> }>();

/**
 * Every live service's name and namespace, for mapping CloudWatch alarms to services. In an alarm storm
 * every alarm of a batch would read the whole service list: one read serves the alarms of the next
 * {@link KNOWN_SERVICES_TTL_MS} (per store, so per handler instance). `fresh` reads again: a caller about
 * to drop an alarm as naming no service asks for it, so a service registered a moment ago is never missed.
 */
export function knownServices(store: Pick<ServiceStore, 'listAllServices'>, nowMs: number, fresh = false): Promise<KnownService[]> {
  const cached = cache.get(store);
  if (!fresh && cached && nowMs - cached.readAt < KNOWN_SERVICES_TTL_MS) return cached.services;
  const services = store.listAllServices().then((all) => all.map((s) => ({ name: s.name, namespace: s.spec.namespace })));
  cache.set(store, { readAt: nowMs, services });
  // A failed read is not kept: the next alarm reads again.
  services.catch(() => {
    if (cache.get(store)?.services === services) cache.delete(store);
  });
  return services;
}
