import { describe, expect, it } from 'vitest';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import { KNOWN_SERVICES_TTL_MS, knownServices } from '../../../../lib/usecases/health/known-services.js';
import { serviceRecord } from './health-fakes.js';

/** A store that counts its reads of the service list; `fail` makes the next read reject. */
function countingStore(services: ServiceRecord[]) {
  const store = {
    reads: 0,
    fail: false,
    async listAllServices() {
      store.reads++;
      if (store.fail) {
        store.fail = false;
        throw new Error('throttled');
      }
      return [...services];
    },
  };
  return store;
}

describe('knownServices', () => {
  it('serves the alarms of a few seconds from one read of the service list', async () => {
    const store = countingStore([serviceRecord('cart'), serviceRecord('pay', { namespace: 'shop' })]);
    expect(await knownServices(store, 0)).toEqual([
      { name: 'cart', namespace: 'default' },
      { name: 'pay', namespace: 'shop' },
    ]);
    await Promise.all([knownServices(store, 10), knownServices(store, KNOWN_SERVICES_TTL_MS - 1)]);
    expect(store.reads).toBe(1);
    await knownServices(store, KNOWN_SERVICES_TTL_MS);
    expect(store.reads).toBe(2);
  });

  it('reads again when asked for a fresh list (before an alarm is dropped as naming no service)', async () => {
    const services = [serviceRecord('cart')];
    const store = countingStore(services);
    await knownServices(store, 0);
    services.push(serviceRecord('new-one'));
    expect((await knownServices(store, 1, true)).map((s) => s.name)).toEqual(['cart', 'new-one']);
    expect(store.reads).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const store = countingStore([serviceRecord('cart')]);
    store.fail = true;
    await expect(knownServices(store, 0)).rejects.toThrow('throttled');
    expect((await knownServices(store, 1)).map((s) => s.name)).toEqual(['cart']);
    expect(store.reads).toBe(2);
  });
});
