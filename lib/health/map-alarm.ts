import { LABELS, workloadName } from '../mesh/labels.js';
import { alarmMetrics, isCompositeAlarm, normalizeCloudWatchTimestamp, readReasonFigures, type CloudWatchAlarmStateChangeEvent } from './alarm-event.js';
import { SIGNAL_KINDS, SIGNAL_TRACKS, type HealthSignal, type SignalKind, type SignalTrack } from './health-signal.js';

/** A registered service, as the mapper needs to know it. */
export interface KnownService {
  name: string;
  namespace: string;
}

/** Which rule of the documented order mapped an alarm (see lib/health/README.md). */
export type MappingRule = 'nameConvention' | 'dimension' | 'tag';

/** Alarm tags that name a service (the third rule): `meshplane:service`, and optionally kind and track. */
export const ALARM_TAGS = { service: 'meshplane:service', kind: 'meshplane:kind', track: 'meshplane:track' } as const;

/**
 * The result of mapping one alarm event. Unmapped results are final: the caller records the reason
 * and drops the event (retrying cannot make an unknown alarm known).
 */
export type AlarmMapping = { mapped: true; rule: MappingRule; signals: HealthSignal[] } | { mapped: false; alarmName: string; reason: string };

/** Prefix of alarm names that follow the meshplane convention `meshplane/<service>/<kind>[/<track>]`. */
export const ALARM_NAME_PREFIX = 'meshplane/';

/** Metric dimensions that name the service, in the order they are consulted. */
export const SERVICE_DIMENSIONS = ['service', 'Service', 'destination_workload', 'ServiceName'] as const;
const NAMESPACE_DIMENSIONS = ['namespace', 'Namespace', 'destination_workload_namespace'] as const;
const TRACK_DIMENSIONS = ['track', LABELS.track] as const;
const NODE_DIMENSIONS = ['node', 'NodeName', 'kubernetes_node'] as const;
const ZONE_DIMENSIONS = ['zone', 'AvailabilityZone', 'topology.kubernetes.io/zone'] as const;

/**
 * Turns a CloudWatch alarm state change into health signals. Rules, in order:
 * 1. the alarm name `meshplane/<service>/<kind>[/<track>]` (the only rule for composite alarms);
 * 2. a metric dimension `service`, `Service`, `destination_workload` or `ServiceName` naming a
 *    registered service (a `destination_workload` of `<service>-canary` means the canary track);
 * 3. the alarm's tags (`meshplane:service`, optional `meshplane:kind` and `meshplane:track`), when the
 *    caller looked them up (they are not in the event: reading them costs a CloudWatch call, so
 *    callers do it only when the first two rules leave the alarm unmapped);
 * 4. otherwise the alarm is unmapped, with a reason.
 * INSUFFICIENT_DATA is not a health verdict and is never mapped.
 */
export function mapAlarmToSignals(
  event: CloudWatchAlarmStateChangeEvent,
  knownServices: readonly KnownService[],
  tags?: Readonly<Record<string, string>>,
): AlarmMapping {
  const { detail } = event;
  const alarmName = detail.alarmName;
  const unmapped = (reason: string): AlarmMapping => ({ mapped: false, alarmName, reason });

  if (detail.state.value === 'INSUFFICIENT_DATA') return unmapped('state INSUFFICIENT_DATA says nothing about health');
  const state = detail.state.value;
  const observedAt = normalizeCloudWatchTimestamp(detail.state.timestamp);
  const figures = readReasonFigures(detail.state.reasonData);
  const base = {
    source: 'cloudwatch' as const,
    state,
    observedAt,
    reason: truncate(`${alarmName}: ${detail.state.reason}`, 2_048),
    ...(figures.latestValue !== undefined ? { value: figures.latestValue } : {}),
    ...(figures.threshold !== undefined ? { threshold: figures.threshold } : {}),
  };
  const idFor = (service: string) => `cloudwatch:${alarmName}:${observedAt}:${service}`;

  if (alarmName.startsWith(ALARM_NAME_PREFIX)) {
    const parsed = parseConventionalName(alarmName);
    if ('problem' in parsed) return unmapped(parsed.problem);
    const known = knownServices.find((s) => s.name === parsed.service);
    if (!known) return unmapped(`alarm name names service "${parsed.service}", which is not registered`);
    // A conventionally named alarm may still say where: e.g. nodeNotReady with a NodeName dimension.
    const dimensions = alarmMetrics(detail).map((m) => m.dimensions);
    const node = dimensions.map((d) => firstDimension(d, NODE_DIMENSIONS)).find((v) => v !== undefined);
    const zone = dimensions.map((d) => firstDimension(d, ZONE_DIMENSIONS)).find((v) => v !== undefined);
    const signal: HealthSignal = {
      ...base,
      id: idFor(known.name),
      service: known.name,
      namespace: known.namespace,
      kind: parsed.kind,
      ...(parsed.track ? { track: parsed.track } : {}),
      ...(node ? { node } : {}),
      ...(zone ? { zone } : {}),
    };
    return { mapped: true, rule: 'nameConvention', signals: [signal] };
  }

  const tagged = tags?.[ALARM_TAGS.service];
  const byTag = (): AlarmMapping => {
    const known = knownServices.find((s) => s.name === tagged);
    if (!known) return unmapped(`tag ${ALARM_TAGS.service} names service "${tagged}", which is not registered`);
    const kindTag = tags?.[ALARM_TAGS.kind];
    const trackTag = tags?.[ALARM_TAGS.track];
    if (kindTag !== undefined && !(SIGNAL_KINDS as readonly string[]).includes(kindTag))
      return unmapped(`tag ${ALARM_TAGS.kind} "${kindTag}" is not one of ${SIGNAL_KINDS.join(', ')}`);
    if (trackTag !== undefined && !(SIGNAL_TRACKS as readonly string[]).includes(trackTag))
      return unmapped(`tag ${ALARM_TAGS.track} "${trackTag}" is not one of ${SIGNAL_TRACKS.join(', ')}`);
    const metricName = alarmMetrics(detail)[0]?.name;
    const signal: HealthSignal = {
      ...base,
      id: idFor(known.name),
      service: known.name,
      namespace: known.namespace,
      kind: (kindTag as SignalKind | undefined) ?? (metricName ? kindFromMetricName(metricName) : 'custom'),
      ...(trackTag ? { track: trackTag as SignalTrack } : {}),
    };
    return { mapped: true, rule: 'tag', signals: [signal] };
  };

  if (isCompositeAlarm(detail)) {
    if (tagged) return byTag();
    return unmapped(`composite alarms map only by name or tag; "${alarmName}" does not start with "${ALARM_NAME_PREFIX}" and has no ${ALARM_TAGS.service} tag`);
  }

  const metrics = alarmMetrics(detail);
  const bySignalId = new Map<string, HealthSignal>();
  const unknownNames = new Set<string>();
  for (const metric of metrics) {
    const target = serviceFromDimensions(metric.dimensions, knownServices);
    if (target === undefined) continue;
    if ('unknown' in target) {
      unknownNames.add(target.unknown);
      continue;
    }
    const node = firstDimension(metric.dimensions, NODE_DIMENSIONS);
    const zone = firstDimension(metric.dimensions, ZONE_DIMENSIONS);
    const signal: HealthSignal = {
      ...base,
      id: idFor(target.service.name),
      service: target.service.name,
      namespace: target.service.namespace,
      kind: kindFromMetricName(metric.name),
      ...(target.track ? { track: target.track } : {}),
      ...(node ? { node } : {}),
      ...(zone ? { zone } : {}),
    };
    if (!bySignalId.has(signal.id)) bySignalId.set(signal.id, signal);
  }
  if (bySignalId.size > 0) return { mapped: true, rule: 'dimension', signals: [...bySignalId.values()] };
  if (tagged) return byTag();
  if (unknownNames.size > 0) {
    return unmapped(`metric dimensions name ${[...unknownNames].map((n) => `"${n}"`).join(', ')}, which no registered service matches`);
  }
  return unmapped(
    `alarm name does not follow "${ALARM_NAME_PREFIX}<service>/<kind>[/<track>]", no metric has a ${SERVICE_DIMENSIONS.join('/')} dimension and no ${ALARM_TAGS.service} tag names a service`,
  );
}

type ParsedName = { service: string; kind: SignalKind; track?: SignalTrack } | { problem: string };

function parseConventionalName(alarmName: string): ParsedName {
  const parts = alarmName.slice(ALARM_NAME_PREFIX.length).split('/');
  if (parts.length < 2 || parts.length > 3) {
    return { problem: `alarm name "${alarmName}" must be ${ALARM_NAME_PREFIX}<service>/<kind>[/<track>]` };
  }
  const [service, kind, track] = parts;
  if (!(SIGNAL_KINDS as readonly string[]).includes(kind)) {
    return { problem: `alarm name kind "${kind}" is not one of ${SIGNAL_KINDS.join(', ')}` };
  }
  if (track !== undefined && !(SIGNAL_TRACKS as readonly string[]).includes(track)) {
    return { problem: `alarm name track "${track}" is not one of ${SIGNAL_TRACKS.join(', ')}` };
  }
  return { service, kind: kind as SignalKind, ...(track ? { track: track as SignalTrack } : {}) };
}

type DimensionTarget = { service: KnownService; track?: SignalTrack } | { unknown: string };

function serviceFromDimensions(dimensions: Record<string, string>, knownServices: readonly KnownService[]): DimensionTarget | undefined {
  const namespace = firstDimension(dimensions, NAMESPACE_DIMENSIONS);
  const explicitTrack = firstDimension(dimensions, TRACK_DIMENSIONS);
  for (const key of SERVICE_DIMENSIONS) {
    const value = dimensions[key];
    if (value === undefined || value === '') continue;
    const candidates = knownServices.filter((s) => namespace === undefined || s.namespace === namespace);
    const exact = candidates.find((s) => s.name === value);
    if (exact) {
      const track = explicitTrack === 'canary' || explicitTrack === 'stable' ? explicitTrack : undefined;
      return { service: exact, ...(track ? { track } : {}) };
    }
    // Istio reports the Deployment name: the canary workload of `svc` is `svc-canary`.
    const canaryOf = candidates.find((s) => workloadName(s.name, 'canary') === value);
    if (canaryOf) return { service: canaryOf, track: 'canary' };
    return { unknown: value };
  }
  return undefined;
}

function firstDimension(dimensions: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = dimensions[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Best-effort kind for an alarm mapped by dimension, from its metric name. */
export function kindFromMetricName(metricName: string): SignalKind {
  const name = metricName.toLowerCase();
  if (/(error|5xx|fault|failure)/.test(name)) return 'errorRate';
  if (/(latency|duration|response_?time)/.test(name)) return 'latency';
  if (/(restart|crash)/.test(name)) return 'crashLoop';
  if (/(pending|unschedulable)/.test(name)) return 'pending';
  if (/(cpu|memory|saturation|utili[sz]ation|throttl)/.test(name)) return 'saturation';
  if (/(unavailable|healthy|availability|ready)/.test(name)) return 'unavailable';
  return 'custom';
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
