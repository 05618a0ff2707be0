import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../lib/composition/create-app.js';
import { composeAlarmIntake } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { handleHealthSignal } from '../lib/usecases/health/handle-health-signal.js';
import { ingestCloudWatchAlarm, wrapCloudWatchEvent } from '../lib/usecases/health/ingest-cloudwatch-alarm.js';
import { createLogger } from './middleware/logger.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';

/**
 * Consumes the health queue: meshplane health signals (probe, POST /v1/alarms) and CloudWatch "Alarm
 * State Change" events routed there by EventBridge. Each is decided by the remediation policy.
 */
export function createHealthAlarmHandler(app: App) {
  const log = createLogger('on-health-alarm');
  return middy<SQSEvent, SQSBatchResponse>().handler((event) =>
    processFifoBatch(event, (envelope) => (envelope.payload.cloudwatch ? ingestCloudWatchAlarm(app, envelope) : handleHealthSignal(app, envelope)), log, wrapCloudWatchEvent),
  );
}

export const handler = composedFromEnvironment(composeAlarmIntake, createHealthAlarmHandler);
