import { describe, expect, it } from 'vitest';
import { CloudWatchAlarmStateChangeEvent } from '../../../lib/health/alarm-event.js';
import { HealthSignal } from '../../../lib/health/health-signal.js';
import { kindFromMetricName, mapAlarmToSignals, type KnownService } from '../../../lib/health/map-alarm.js';
import { fixtureWith } from './fixtures.js';

const KNOWN: KnownService[] = [
  { name: 'checkout', namespace: 'shop' },
  { name: 'cart', namespace: 'shop' },
  { name: 'search', namespace: 'catalog' },
];

function event(name: string, patch: (e: any) => void = () => {}) {
  return CloudWatchAlarmStateChangeEvent.parse(fixtureWith(name, patch));
}

describe('mapAlarmToSignals: rule 1, the alarm name convention', () => {
  it.each([
    ['meshplane/checkout/errorRate', { service: 'checkout', namespace: 'shop', kind: 'errorRate' }],
    ['meshplane/cart/latency/canary', { service: 'cart', kind: 'latency', track: 'canary' }],
    ['meshplane/search/crashLoop/stable', { service: 'search', namespace: 'catalog', kind: 'crashLoop', track: 'stable' }],
  ])('%s', (alarmName, expected) => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => (e.detail.alarmName = alarmName)),
      KNOWN,
    );
    expect(result).toMatchObject({ mapped: true, rule: 'nameConvention' });
    if (!result.mapped) return;
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]).toMatchObject({
      ...expected,
      source: 'cloudwatch',
      state: 'ALARM',
      observedAt: '2019-10-02T17:04:40.989Z',
      value: 99.50160229693434,
      threshold: 50,
    });
    expect(HealthSignal.safeParse(result.signals[0]).success).toBe(true);
  });

  it('wins over a dimension that names another service', () => {
    const result = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => (e.detail.alarmName = 'meshplane/cart/errorRate')),
      KNOWN,
    );
    expect(result.mapped && result.signals.map((s) => s.service)).toEqual(['cart']);
  });

  it('keeps the node of a conventionally named nodeNotReady alarm', () => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => {
        e.detail.alarmName = 'meshplane/cart/nodeNotReady';
        e.detail.configuration.metrics[0].metricStat.metric.dimensions = { NodeName: 'ip-10-0-2-9', ClusterName: 'prod' };
      }),
      KNOWN,
    );
    expect(result.mapped && result.signals[0]).toMatchObject({ service: 'cart', kind: 'nodeNotReady', node: 'ip-10-0-2-9' });
  });

  it('maps a composite alarm by its name', () => {
    const result = mapAlarmToSignals(
      event('cloudwatch-composite-alarm.json', (e) => (e.detail.alarmName = 'meshplane/checkout/unavailable')),
      KNOWN,
    );
    expect(result).toMatchObject({
      mapped: true,
      rule: 'nameConvention',
      signals: [{ service: 'checkout', kind: 'unavailable', observedAt: '2022-07-22T15:57:45.394Z' }],
    });
  });

  it.each([
    ['meshplane/billing/errorRate', /not registered/],
    ['meshplane/checkout/slowness', /kind "slowness"/],
    ['meshplane/checkout/errorRate/blue', /track "blue"/],
    ['meshplane/checkout', /must be meshplane\/<service>\/<kind>/],
    ['meshplane/checkout/errorRate/canary/extra', /must be meshplane\/<service>\/<kind>/],
  ])('leaves %s unmapped with a reason', (alarmName, reason) => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => (e.detail.alarmName = alarmName)),
      KNOWN,
    );
    expect(result.mapped).toBe(false);
    if (!result.mapped) expect(result.reason).toMatch(reason);
  });
});

describe('mapAlarmToSignals: rule 2, metric dimensions', () => {
  it('maps an Istio canary workload to the service and the canary track', () => {
    const result = mapAlarmToSignals(event('istio-error-rate-alarm.json'), KNOWN);
    expect(result).toMatchObject({ mapped: true, rule: 'dimension' });
    if (!result.mapped) return;
    // Both metrics of the math expression name the same workload: one signal, not two.
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]).toMatchObject({ service: 'checkout', namespace: 'shop', track: 'canary', kind: 'errorRate', value: 0.081, threshold: 0.02 });
  });

  it.each(['service', 'Service', 'destination_workload', 'ServiceName'])('reads the %s dimension', (dimension) => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => (e.detail.configuration.metrics[0].metricStat.metric.dimensions = { [dimension]: 'search' })),
      KNOWN,
    );
    expect(result.mapped && result.signals[0]).toMatchObject({ service: 'search', namespace: 'catalog', kind: 'saturation' });
  });

  it('uses a namespace dimension to tell services apart', () => {
    const result = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => {
        for (const m of e.detail.configuration.metrics)
          if (m.metricStat) m.metricStat.metric.dimensions = { destination_workload: 'checkout', destination_workload_namespace: 'other' };
      }),
      KNOWN,
    );
    expect(result).toMatchObject({ mapped: false, reason: expect.stringMatching(/"checkout".*no registered service/) });
  });

  it('carries node and zone dimensions', () => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => {
        e.detail.configuration.metrics[0].metricStat.metric = {
          namespace: 'ContainerInsights',
          name: 'pod_number_of_container_restarts',
          dimensions: { Service: 'cart', Namespace: 'shop', NodeName: 'ip-10-0-1-7.eu-west-1.compute.internal', AvailabilityZone: 'eu-west-1a' },
        };
      }),
      KNOWN,
    );
    expect(result.mapped && result.signals[0]).toMatchObject({
      service: 'cart',
      kind: 'crashLoop',
      node: 'ip-10-0-1-7.eu-west-1.compute.internal',
      zone: 'eu-west-1a',
    });
  });

  it('yields one signal per service when the metrics name several', () => {
    const result = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => {
        e.detail.configuration.metrics[1].metricStat.metric.dimensions = { service: 'checkout' };
        e.detail.configuration.metrics[2].metricStat.metric.dimensions = { service: 'cart' };
      }),
      KNOWN,
    );
    expect(result.mapped && result.signals.map((s) => s.service).sort()).toEqual(['cart', 'checkout']);
    expect(result.mapped && new Set(result.signals.map((s) => s.id)).size).toBe(2);
  });
});

describe('mapAlarmToSignals: rule 3, the alarm tags', () => {
  it('maps an alarm the name and dimensions do not by its meshplane:service tag, kind from the metric', () => {
    const result = mapAlarmToSignals(event('cloudwatch-metric-alarm.json'), KNOWN, { 'meshplane:service': 'cart', team: 'shop' });
    expect(result).toMatchObject({ mapped: true, rule: 'tag' });
    expect(result.mapped && result.signals[0]).toMatchObject({ service: 'cart', namespace: 'shop', kind: 'saturation', state: 'ALARM' });
  });

  it('takes kind and track from their tags', () => {
    const result = mapAlarmToSignals(event('cloudwatch-metric-alarm.json'), KNOWN, {
      'meshplane:service': 'cart',
      'meshplane:kind': 'latency',
      'meshplane:track': 'canary',
    });
    expect(result.mapped && result.signals[0]).toMatchObject({ service: 'cart', kind: 'latency', track: 'canary' });
  });

  it('maps a composite alarm by tag', () => {
    const result = mapAlarmToSignals(event('cloudwatch-composite-alarm.json'), KNOWN, { 'meshplane:service': 'search', 'meshplane:kind': 'unavailable' });
    expect(result.mapped && result.signals[0]).toMatchObject({ service: 'search', kind: 'unavailable' });
  });

  it('comes after the name convention and the dimensions', () => {
    const result = mapAlarmToSignals(
      event('cloudwatch-metric-alarm.json', (e) => (e.detail.alarmName = 'meshplane/checkout/errorRate')),
      KNOWN,
      { 'meshplane:service': 'cart' },
    );
    expect(result).toMatchObject({ mapped: true, rule: 'nameConvention' });
  });

  it.each([
    [{ 'meshplane:service': 'billing' }, /"billing", which is not registered/],
    [{ 'meshplane:service': 'cart', 'meshplane:kind': 'explosion' }, /meshplane:kind "explosion"/],
    [{ 'meshplane:service': 'cart', 'meshplane:track': 'blue' }, /meshplane:track "blue"/],
  ])('reports a bad tag %j as unmapped', (tags, reason) => {
    const result = mapAlarmToSignals(event('cloudwatch-metric-alarm.json'), KNOWN, tags);
    expect(result.mapped).toBe(false);
    if (!result.mapped) expect(result.reason).toMatch(reason);
  });
});

describe('mapAlarmToSignals: rule 4, unmapped', () => {
  it.each([
    ['the AWS EC2 example (no service dimension)', 'cloudwatch-metric-alarm.json', (_e: any) => {}, /no metric has a service/],
    ['a composite alarm without the name convention', 'cloudwatch-composite-alarm.json', (_e: any) => {}, /composite alarms map only by name or tag/],
    [
      'INSUFFICIENT_DATA',
      'cloudwatch-metric-alarm.json',
      (e: any) => ((e.detail.alarmName = 'meshplane/cart/errorRate'), (e.detail.state.value = 'INSUFFICIENT_DATA')),
      /INSUFFICIENT_DATA/,
    ],
    [
      'a dimension naming an unregistered service',
      'cloudwatch-metric-alarm.json',
      (e: any) => (e.detail.configuration.metrics[0].metricStat.metric.dimensions = { service: 'billing' }),
      /"billing"/,
    ],
  ])('%s', (_label, fixture, patch, reason) => {
    const result = mapAlarmToSignals(event(fixture, patch), KNOWN);
    expect(result.mapped).toBe(false);
    if (!result.mapped) {
      expect(result.reason).toMatch(reason);
      expect(result.alarmName).toBeTruthy();
    }
  });
});

describe('mapAlarmToSignals: signal ids', () => {
  it('gives a redelivered event the same signal id, and a later transition a new one', () => {
    const first = mapAlarmToSignals(event('istio-error-rate-alarm.json'), KNOWN);
    const again = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => (e.id = 'another-delivery')),
      KNOWN,
    );
    const later = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => (e.detail.state.timestamp = '2025-03-14T09:40:00.000+0000')),
      KNOWN,
    );
    const id = (r: typeof first) => (r.mapped ? r.signals[0].id : undefined);
    expect(id(again)).toBe(id(first));
    expect(id(later)).not.toBe(id(first));
  });

  it('maps an OK transition to an OK signal', () => {
    const result = mapAlarmToSignals(
      event('istio-error-rate-alarm.json', (e) => (e.detail.state.value = 'OK')),
      KNOWN,
    );
    expect(result.mapped && result.signals[0].state).toBe('OK');
  });
});

describe('kindFromMetricName', () => {
  it.each([
    ['istio_requests_total_5xx', 'errorRate'],
    ['HTTPCode_Target_5XX_Count', 'errorRate'],
    ['istio_request_duration_milliseconds_p99', 'latency'],
    ['TargetResponseTime', 'latency'],
    ['pod_number_of_container_restarts', 'crashLoop'],
    ['pod_cpu_utilization', 'saturation'],
    ['UnHealthyHostCount', 'unavailable'],
    ['OrdersPlaced', 'custom'],
  ])('%s → %s', (metric, kind) => {
    expect(kindFromMetricName(metric)).toBe(kind);
  });
});
