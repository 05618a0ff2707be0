import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { composeAlarmIntake, type AlarmIntakeApp } from '../lib/composition/alarm-intake.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { handleHealthSignals, type HealthOutcome } from '../lib/usecases/health/handle-health-signal.js';
import { ingestCloudWatchAlarm, wrapCloudWatchEvent } from '../lib/usecases/health/ingest-cloudwatch-alarm.js';
import { createLogger } from './middleware/logger.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';
import { coalesceCalls } from './middleware/coalesce-calls.js';
import { releaseUnstarted } from '../lib/composition/release-unstarted.js';
import { timeBudget, type TimeBudgetContext } from './middleware/time-budget.js';
import type { EventEnvelope } from '../lib/model/events.js';
import { traced } from './middleware/traced.js';

/**
 * Consumes the health queue: meshplane health signals (probe, POST /v1/alarms) and CloudWatch "Alarm
 * State Change" events routed there by EventBridge. Each is decided by the remediation policy from the
 * store alone (the pods as the probe last observed them); what must change in a cluster is committed to
 * the store and queued to the cluster side as `service.converge`. It holds no cluster access.
 *
 * Every message group of a batch starts at once, and the signals that start together are decided as one
 * batch (handleHealthSignals): one read of the global ledger, one conditional write of it for all of
 * their actions, so concurrent deciders no longer race on it signal by signal.
 */
export function createHealthAlarmHandler(app: AlarmIntakeApp) {
  const log = createLogger('on-health-alarm');
  const release = releaseUnstarted('healthAlarms', app.config);
  const decide = coalesceCalls((envelopes: EventEnvelope[]) => handleHealthSignals(app, envelopes));
  const handle = (envelope: EventEnvelope): Promise<HealthOutcome | HealthOutcome[]> =>
    envelope.payload.cloudwatch ? ingestCloudWatchAlarm(app, envelope) : decide(envelope);
  return middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
    .use(timeBudget())
    .handler((event, context) => processFifoBatch(event, { handle, log, adopt: wrapCloudWatchEvent, signal: context.timeBudget, release }));
}

// It composes the core, the remediation policy and alarm tags: no Kubernetes client, no metrics source.
export const handler = traced(composedFromEnvironment(composeAlarmIntake, createHealthAlarmHandler));
