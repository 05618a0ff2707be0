import { describe, expect, it } from 'vitest';
import { ObjectStore, type StoreChange } from '../../../lib/sim/object-store.js';
import { resourceType } from '../../../lib/sim/resource-types.js';

const CONFIG_MAPS = resourceType('configmaps');
const NAMESPACES = resourceType('namespaces');

describe('ObjectStore.write (what controllers call at every tick)', () => {
  it('an unchanged object is not written again: same resourceVersion, no change published; a changed one is', () => {
    const store = new ObjectStore(() => Date.parse('2026-01-01T00:00:00Z'));
    store.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const created = store.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1' } });
    const changes: StoreChange[] = [];
    store.onAnyChange((c) => changes.push(c));

    store.write(CONFIG_MAPS, store.get(CONFIG_MAPS, 'default', 'c')!);
    expect(store.get(CONFIG_MAPS, 'default', 'c')!.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(changes).toEqual([]);

    store.write(CONFIG_MAPS, { ...store.get(CONFIG_MAPS, 'default', 'c')!, data: { a: '2' } });
    const changed = store.get(CONFIG_MAPS, 'default', 'c')!;
    expect(changed.data).toEqual({ a: '2' });
    expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(changes.map((c) => c.type)).toEqual(['MODIFIED']);
  });
});
