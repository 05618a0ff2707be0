import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { auditEventsOfStream } from '../lib/adapters/dynamodb/audit-stream.js';
import { composePublishEvents } from '../lib/composition/publish-events.js';
import { publishAuditEvents, type PublishAuditEventsDeps } from '../lib/usecases/events/publish-audit-events.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { traced } from './middleware/traced.js';

/**
 * Audit events out: the state table's change stream (filtered to new audit event items) → the
 * EventBridge bus, with the counters they stand for as metrics. A batch that fails is retried by the
 * stream (bisected, then sent to the failure queue), so subscribers may see an event twice: its `id` is
 * the key to dedupe on. The local runtime feeds this handler from its emulated stream.
 */
export function createPublishEventsHandler(deps: PublishAuditEventsDeps) {
  return middy<DynamoDBStreamEvent, { published: number }>().handler(async (event) => publishAuditEvents(deps, auditEventsOfStream(event.Records)));
}

export const handler = traced(composedFromEnvironment(composePublishEvents, createPublishEventsHandler));
