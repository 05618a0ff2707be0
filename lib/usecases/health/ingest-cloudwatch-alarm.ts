import { CloudWatchAlarmStateChangeEvent } from '../../health/alarm-event.js';
import { mapAlarmToSignals } from '../../health/map-alarm.js';
import { TerminalError } from '../../errors.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../model/events.js';
import { auditEvent } from '../shared/mutate.js';
import { handleHealthSignal, type HealthOutcome } from './handle-health-signal.js';
import type { RemediationDeps } from './health-deps.js';
import { knownServices } from './known-services.js';
import { mapWithConcurrency } from './map-with-concurrency.js';

/** Services of one alarm decided at once (an alarm over several services' metrics names each). */
const SERVICES_AT_ONCE = 8;

/** Audit partition for alarms that name no meshplane service. */
export const UNMAPPED_ALARMS = 'unmapped-alarms';

/** The EventBridge event as it arrives on the health queue, wrapped so the batch processor can carry it. */
export function wrapCloudWatchEvent(body: unknown): EventEnvelope | undefined {
  const parsed = CloudWatchAlarmStateChangeEvent.safeParse(body);
  if (!parsed.success) return undefined;
  return {
    id: parsed.data.id,
    type: 'health.alarm',
    service: UNMAPPED_ALARMS,
    occurredAt: new Date(parsed.data.time).toISOString(),
    correlationId: parsed.data.id,
    schemaVersion: SCHEMA_VERSION,
    payload: { cloudwatch: parsed.data },
  };
}

/**
 * A CloudWatch "Alarm State Change" event: mapped to services (see lib/health/README.md) and each
 * signal decided like any other, the signals of different services at once (those of one service in
 * order). An alarm that maps to no service is recorded with the reason and dropped: retrying would
 * never make it known. The service list is read once for the alarms of a few seconds (known-services.ts),
 * and read again before an alarm is dropped.
 */
export async function ingestCloudWatchAlarm(deps: RemediationDeps, envelope: EventEnvelope): Promise<HealthOutcome[]> {
  const event = CloudWatchAlarmStateChangeEvent.parse(envelope.payload.cloudwatch);
  const nowMs = deps.clock.now().getTime();
  let known = await knownServices(deps.store, nowMs);
  let mapping = mapAlarmToSignals(event, known);
  if (!mapping.mapped) {
    known = await knownServices(deps.store, nowMs, true);
    mapping = mapAlarmToSignals(event, known);
  }
  // Tags are not in the event; read them only when the name and the dimensions did not say.
  if (!mapping.mapped && deps.alarmTags && event.resources[0]) {
    const tags = await deps.alarmTags.tagsOf(event.resources[0]).catch((err: unknown) => {
      if (err instanceof TerminalError) return {};
      throw err;
    });
    mapping = mapAlarmToSignals(event, known, tags);
  }
  if (!mapping.mapped) {
    await deps.store.appendEvents([
      auditEvent(deps, UNMAPPED_ALARMS, 'HealthAlarmDropped', `alarm ${mapping.alarmName} dropped: ${mapping.reason}`, { alarmName: mapping.alarmName }),
    ]);
    return [{ outcome: 'rejected', reason: mapping.reason }];
  }
  const byService = new Map<string, typeof mapping.signals>();
  for (const signal of mapping.signals) byService.set(signal.service, [...(byService.get(signal.service) ?? []), signal]);
  const outcomes = await mapWithConcurrency([...byService.values()], SERVICES_AT_ONCE, async (signals) => {
    const decided: HealthOutcome[] = [];
    for (const signal of signals) decided.push(await handleHealthSignal(deps, { ...envelope, id: signal.id, service: signal.service, payload: { signal } }));
    return decided;
  });
  return outcomes.flat();
}
