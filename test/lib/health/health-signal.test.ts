import { describe, expect, it } from 'vitest';
import { HealthSignal, signalKey } from '../../../lib/health/health-signal.js';

const probeSignal = {
  id: 'probe:cart:2025-03-14T12:00:00Z',
  source: 'probe',
  service: 'cart',
  namespace: 'shop',
  kind: 'crashLoop',
  state: 'ALARM',
  node: 'ip-10-0-1-7.eu-west-1.compute.internal',
  zone: 'eu-west-1a',
  value: 4,
  threshold: 3,
  observedAt: '2025-03-14T12:00:00+01:00',
  reason: '4 restarts in 5 minutes',
};

describe('HealthSignal', () => {
  it('accepts a complete signal, as POST /v1/alarms would receive it', () => {
    expect(HealthSignal.parse(probeSignal)).toEqual(probeSignal);
  });

  it.each([
    ['an unknown source', { source: 'pagerduty' }, 'source'],
    ['an unknown kind', { kind: 'slow' }, 'kind'],
    ['INSUFFICIENT_DATA', { state: 'INSUFFICIENT_DATA' }, 'state'],
    ['a service that is not a DNS label', { service: 'Cart_Service' }, 'service'],
    ['a preview track', { track: 'preview' }, 'track'],
    ['a time that is not ISO-8601', { observedAt: '14/03/2025 12:00' }, 'observedAt'],
    ['an infinite value', { value: Number.POSITIVE_INFINITY }, 'value'],
  ])('rejects %s', (_label, patch, path) => {
    const result = HealthSignal.safeParse({ ...probeSignal, ...patch });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual([path]);
  });
});

describe('signalKey', () => {
  it('treats an absent track as stable, and separates kinds and tracks', () => {
    expect(signalKey({ service: 'cart', kind: 'latency' })).toBe(signalKey({ service: 'cart', kind: 'latency', track: 'stable' }));
    expect(signalKey({ service: 'cart', kind: 'latency', track: 'canary' })).not.toBe(signalKey({ service: 'cart', kind: 'latency' }));
    expect(signalKey({ service: 'cart', kind: 'errorRate' })).not.toBe(signalKey({ service: 'cart', kind: 'latency' }));
  });
});
