import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createApp, type App } from '../lib/composition/create-app.js';
import { runtimeConfigFromEnv } from '../lib/composition/runtime-config.js';
import { recordAlarm } from '../lib/usecases/health/record-alarm.js';
import { createLogger } from './middleware/logger.js';
import { processFifoBatch } from './middleware/sqs-fifo-batch.js';

/** Consumes health.alarm events: records them (and, with recovery, acts on them). */
export function createHealthAlarmHandler(app: App) {
  const log = createLogger('on-health-alarm');
  return middy<SQSEvent, SQSBatchResponse>().handler((event) => processFifoBatch(event, (envelope) => recordAlarm(app, envelope), log));
}

let instance: ReturnType<typeof createHealthAlarmHandler> | undefined;
export const handler = (event: SQSEvent, context: Parameters<ReturnType<typeof createHealthAlarmHandler>>[1]) =>
  (instance ??= createHealthAlarmHandler(createApp(runtimeConfigFromEnv())))(event, context);
