import * as z from 'zod';

/**
 * The Amazon EventBridge "CloudWatch Alarm State Change" event, as CloudWatch sends it for metric
 * alarms (single metric, metric math, anomaly detection) and composite alarms. Objects are loose:
 * AWS adds fields over time (alarmTags, actionsSuppressedBy…) and an unknown field must not make us
 * drop an alarm.
 */

/**
 * CloudWatch writes state timestamps as `2019-10-02T17:04:40.989+0000` (no colon in the offset),
 * which is not RFC 3339; `time` on the envelope is RFC 3339.
 */
const CLOUDWATCH_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** Converts a CloudWatch timestamp (either offset style) to an ISO-8601 UTC string. */
export function normalizeCloudWatchTimestamp(value: string): string {
  if (!CLOUDWATCH_TIMESTAMP.test(value)) throw new RangeError(`"${value}" is not a CloudWatch timestamp`);
  const withColon = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const millis = Date.parse(withColon);
  if (Number.isNaN(millis)) throw new RangeError(`"${value}" is not a valid date`);
  return new Date(millis).toISOString();
}

const CloudWatchTimestamp = z.string().regex(CLOUDWATCH_TIMESTAMP, 'must be a CloudWatch timestamp such as 2019-10-02T17:04:40.989+0000');

export const ALARM_STATE_VALUES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATE_VALUES)[number];

export const AlarmState = z.looseObject({
  value: z.enum(ALARM_STATE_VALUES),
  reason: z.string(),
  /** JSON text: for metric alarms `{threshold, recentDatapoints…}`, for composites `{triggeringAlarms…}`. */
  reasonData: z.string().optional(),
  timestamp: CloudWatchTimestamp,
  actionsSuppressedBy: z.string().optional(),
  actionsSuppressedReason: z.string().optional(),
});
export type AlarmState = z.infer<typeof AlarmState>;

export const AlarmMetric = z.looseObject({
  namespace: z.string(),
  name: z.string(),
  dimensions: z.record(z.string(), z.string()).default({}),
});

/** One entry of `configuration.metrics`: a metric (`metricStat`) or a math expression. */
export const AlarmMetricQuery = z.looseObject({
  id: z.string(),
  metricStat: z
    .looseObject({
      metric: AlarmMetric,
      period: z.number().int().positive(),
      stat: z.string(),
      unit: z.string().optional(),
    })
    .optional(),
  expression: z.string().optional(),
  label: z.string().optional(),
  returnData: z.boolean().optional(),
});
export type AlarmMetricQuery = z.infer<typeof AlarmMetricQuery>;

export const MetricAlarmConfiguration = z.looseObject({
  description: z.string().optional(),
  metrics: z.array(AlarmMetricQuery),
});
export type MetricAlarmConfiguration = z.infer<typeof MetricAlarmConfiguration>;

export const CompositeAlarmConfiguration = z.looseObject({
  description: z.string().optional(),
  alarmRule: z.string().min(1),
  actionsSuppressor: z.string().optional(),
  actionsSuppressorWaitPeriod: z.number().int().optional(),
  actionsSuppressorExtensionPeriod: z.number().int().optional(),
});
export type CompositeAlarmConfiguration = z.infer<typeof CompositeAlarmConfiguration>;

export const AlarmStateChangeDetail = z.looseObject({
  alarmName: z.string().min(1),
  state: AlarmState,
  previousState: AlarmState.optional(),
  /** Composite alarms carry `alarmRule`; metric alarms carry `metrics`. */
  configuration: z.union([CompositeAlarmConfiguration, MetricAlarmConfiguration]).optional(),
});
export type AlarmStateChangeDetail = z.infer<typeof AlarmStateChangeDetail>;

/** The whole EventBridge envelope for a CloudWatch alarm state change. */
export const CloudWatchAlarmStateChangeEvent = z.looseObject({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string(),
  time: z.iso.datetime({ offset: true }),
  region: z.string(),
  resources: z.array(z.string()),
  detail: AlarmStateChangeDetail,
});
export type CloudWatchAlarmStateChangeEvent = z.infer<typeof CloudWatchAlarmStateChangeEvent>;

/** True when the alarm is a composite alarm (its configuration holds an alarm rule). */
export function isCompositeAlarm(detail: AlarmStateChangeDetail): boolean {
  return typeof detail.configuration?.alarmRule === 'string';
}

/** Metric statistics of a metric alarm; empty for composite alarms or when the configuration is absent. */
export function alarmMetrics(detail: AlarmStateChangeDetail): z.infer<typeof AlarmMetric>[] {
  if (isCompositeAlarm(detail)) return [];
  const configuration = MetricAlarmConfiguration.safeParse(detail.configuration);
  if (!configuration.success) return [];
  return configuration.data.metrics.flatMap((query) => (query.metricStat ? [query.metricStat.metric] : []));
}

/** The parts of a metric alarm's `reasonData` meshplane reads: the threshold and the latest datapoint. */
export interface AlarmReasonFigures {
  threshold?: number;
  latestValue?: number;
}

/** Reads the threshold and most recent datapoint out of `state.reasonData`; tolerates absent or odd JSON. */
export function readReasonFigures(reasonData: string | undefined): AlarmReasonFigures {
  if (reasonData === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(reasonData);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const data = parsed as Record<string, unknown>;
  const figures: AlarmReasonFigures = {};
  if (typeof data.threshold === 'number' && Number.isFinite(data.threshold)) figures.threshold = data.threshold;
  if (Array.isArray(data.recentDatapoints)) {
    const numbers = data.recentDatapoints.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (numbers.length > 0) figures.latestValue = numbers[numbers.length - 1];
  }
  return figures;
}
