import { describe, expect, it } from 'vitest';
import {
  CloudWatchAlarmStateChangeEvent,
  alarmMetrics,
  isCompositeAlarm,
  normalizeCloudWatchTimestamp,
  readReasonFigures,
} from '../../../lib/health/alarm-event.js';
import { fixtureWith, loadFixture } from './fixtures.js';

describe('CloudWatchAlarmStateChangeEvent', () => {
  it('parses the AWS single-metric alarm example', () => {
    const event = CloudWatchAlarmStateChangeEvent.parse(loadFixture('cloudwatch-metric-alarm.json'));
    expect(event.detail.alarmName).toBe('ServerCpuTooHigh');
    expect(event.detail.state.value).toBe('ALARM');
    expect(event.detail.previousState?.value).toBe('OK');
    expect(isCompositeAlarm(event.detail)).toBe(false);
    expect(alarmMetrics(event.detail)).toEqual([{ namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { InstanceId: 'i-12345678901234567' } }]);
  });

  it('parses the AWS composite alarm example (with action suppression fields)', () => {
    const event = CloudWatchAlarmStateChangeEvent.parse(loadFixture('cloudwatch-composite-alarm.json'));
    expect(isCompositeAlarm(event.detail)).toBe(true);
    expect(event.detail.configuration).toMatchObject({ alarmRule: 'ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)' });
    expect(event.detail.state.actionsSuppressedBy).toBe('WaitPeriod');
    expect(alarmMetrics(event.detail)).toEqual([]);
  });

  it('keeps metric statistics and skips math expressions of a metric-math alarm', () => {
    const event = CloudWatchAlarmStateChangeEvent.parse(loadFixture('istio-error-rate-alarm.json'));
    expect(alarmMetrics(event.detail).map((m) => m.name)).toEqual(['istio_requests_total_5xx', 'istio_requests_total']);
  });

  it('accepts fields AWS may add later', () => {
    const event = fixtureWith('cloudwatch-metric-alarm.json', (e) => {
      e.detail.alarmTags = { team: 'payments' };
    });
    expect(CloudWatchAlarmStateChangeEvent.safeParse(event).success).toBe(true);
  });

  it.each([
    ['another source', (e: any) => (e.source = 'aws.ec2'), 'source'],
    ['another detail-type', (e: any) => (e['detail-type'] = 'CloudWatch Alarm Configuration Change'), 'detail-type'],
    ['an unknown state', (e: any) => (e.detail.state.value = 'BROKEN'), 'detail.state.value'],
    ['a state without timestamp', (e: any) => delete e.detail.state.timestamp, 'detail.state.timestamp'],
    ['no alarm name', (e: any) => delete e.detail.alarmName, 'detail.alarmName'],
  ])('rejects %s', (_label, patch, path) => {
    const result = CloudWatchAlarmStateChangeEvent.safeParse(fixtureWith('cloudwatch-metric-alarm.json', patch));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('normalizeCloudWatchTimestamp', () => {
  it.each([
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T19:04:40.989+0200', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T17:04:40Z', '2019-10-02T17:04:40.000Z'],
    ['2019-10-02T12:04:40.5-05:00', '2019-10-02T17:04:40.500Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeCloudWatchTimestamp(input)).toBe(expected);
  });

  it('refuses text that is not a timestamp', () => {
    expect(() => normalizeCloudWatchTimestamp('yesterday')).toThrow(RangeError);
  });
});

describe('readReasonFigures', () => {
  it.each([
    ['a metric alarm', '{"recentDatapoints":[0.052,0.064,0.081],"threshold":0.02}', { threshold: 0.02, latestValue: 0.081 }],
    ['a composite alarm', '{"triggeringAlarms":[]}', {}],
    ['text that is not JSON', 'not json', {}],
    ['non-numeric datapoints', '{"recentDatapoints":["x"],"threshold":"1"}', {}],
  ])('reads %s', (_label, reasonData, expected) => {
    expect(readReasonFigures(reasonData)).toEqual(expected);
  });
});
