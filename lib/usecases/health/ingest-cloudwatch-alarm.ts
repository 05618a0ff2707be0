import { CloudWatchAlarmStateChangeEvent } from '../../health/alarm-event.js';
import { mapAlarmToSignals } from '../../health/map-alarm.js';
import { TerminalError } from '../../errors.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../model/events.js';
import { auditEvent } from '../shared/mutate.js';
import { handleHealthSignal, type HealthOutcome } from './handle-health-signal.js';
import type { RemediationDeps } from './health-deps.js';

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
 * signal decided like any other. An alarm that maps to no service is recorded with the reason and
 * dropped: retrying would never make it known.
 */
export async function ingestCloudWatchAlarm(deps: RemediationDeps, envelope: EventEnvelope): Promise<HealthOutcome[]> {
  const event = CloudWatchAlarmStateChangeEvent.parse(envelope.payload.cloudwatch);
  const known = (await deps.store.listAllServices()).map((s) => ({ name: s.name, namespace: s.spec.namespace }));
  let mapping = mapAlarmToSignals(event, known);
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
  const outcomes: HealthOutcome[] = [];
  for (const signal of mapping.signals) {
    outcomes.push(await handleHealthSignal(deps, { ...envelope, id: signal.id, service: signal.service, payload: { signal } }));
  }
  return outcomes;
}
