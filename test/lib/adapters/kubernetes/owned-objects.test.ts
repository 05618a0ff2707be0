import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../lib/model/kube-object.js';
import { MANAGED_KINDS_IN_DELETION_ORDER, ownershipSelector, selectObjectsToPrune } from '../../../../lib/adapters/kubernetes/owned-objects.js';

const owned = { 'meshplane.io/service': 'cart', 'app.kubernetes.io/managed-by': 'meshplane' };

function obj(kind: string, name: string, labels: Record<string, string> = owned): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', labels } };
}

describe('ownershipSelector', () => {
  it('requires both the ownership and the managed-by label', () => {
    expect(ownershipSelector('cart')).toBe('meshplane.io/service=cart,app.kubernetes.io/managed-by=meshplane');
  });
});

describe('MANAGED_KINDS_IN_DELETION_ORDER', () => {
  it('covers every kind meshplane renders, routing before workloads', () => {
    const kinds = MANAGED_KINDS_IN_DELETION_ORDER.map((k) => k.kind);
    expect([...kinds].sort()).toEqual([
      'AuthorizationPolicy',
      'Deployment',
      'DestinationRule',
      'Gateway',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'Sidecar',
      'VirtualService',
    ]);
    expect(kinds.indexOf('VirtualService')).toBeLessThan(kinds.indexOf('DestinationRule'));
    // The VirtualService names the Gateway: it goes first, so no route is left pointing at a missing Gateway.
    expect(kinds.indexOf('VirtualService')).toBeLessThan(kinds.indexOf('Gateway'));
    expect(kinds.indexOf('DestinationRule')).toBeLessThan(kinds.indexOf('Deployment'));
  });
});

describe('selectObjectsToPrune', () => {
  it.each([
    {
      name: 'drops the canary Deployment that is no longer rendered',
      live: [obj('Deployment', 'cart'), obj('Deployment', 'cart-canary'), obj('Service', 'cart')],
      keep: [obj('Deployment', 'cart'), obj('Service', 'cart')],
      pruned: ['Deployment/cart-canary'],
    },
    {
      name: 'compares kind and name: a Service named like a kept Deployment is still pruned',
      live: [obj('Deployment', 'cart'), obj('Service', 'cart')],
      keep: [obj('Deployment', 'cart')],
      pruned: ['Service/cart'],
    },
    {
      name: 'never touches objects missing the managed-by label',
      live: [obj('Deployment', 'cart-old', { 'meshplane.io/service': 'cart' })],
      keep: [],
      pruned: [],
    },
    {
      name: 'never touches objects missing the ownership label',
      live: [obj('Deployment', 'cart-old', { 'app.kubernetes.io/managed-by': 'meshplane' })],
      keep: [],
      pruned: [],
    },
    {
      name: 'never touches objects another service owns',
      live: [obj('Deployment', 'checkout', { ...owned, 'meshplane.io/service': 'checkout' })],
      keep: [],
      pruned: [],
    },
    {
      name: 'empty keep prunes everything owned (deleteService)',
      live: [obj('Deployment', 'cart'), obj('ServiceAccount', 'cart')],
      keep: [],
      pruned: ['Deployment/cart', 'ServiceAccount/cart'],
    },
  ])('$name', ({ live, keep, pruned }) => {
    expect(selectObjectsToPrune(live, 'cart', keep).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(pruned);
  });
});
