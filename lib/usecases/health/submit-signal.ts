import { createHash } from 'node:crypto';
import * as z from 'zod';
import { HealthSignal } from '../../health/health-signal.js';
import { newId } from '../../ids.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import type { CoreDeps } from '../deps.js';

/** `POST /v1/alarms`: a signal from another monitoring system (or a test); `id` and `observedAt` may be left out. */
export const AlarmSubmission = z.strictObject({
  ...HealthSignal.shape,
  id: HealthSignal.shape.id.optional().describe('Stable id of this observation: a resubmission with the same id is ignored'),
  source: HealthSignal.shape.source.default('api'),
  observedAt: HealthSignal.shape.observedAt.optional(),
  reason: HealthSignal.shape.reason.default(''),
});

const MAX_DEDUPLICATION_ID = 128;
const DIGEST_CHARS = 40;

/**
 * Queue-safe form of a signal id (SQS deduplication ids allow letters, digits and punctuation, 128 at
 * most). An id that is already safe is kept as it is. Otherwise the readable prefix is followed by a
 * digest of the whole id: distinct signals must keep distinct deduplication ids, or SQS drops the later
 * one as a duplicate (e.g. two probe runs whose ids differ only in a timestamp past character 128).
 */
export function envelopeIdFor(signalId: string): string {
  const safe = signalId.replace(/[^A-Za-z0-9!-/:-@[-`{-~]/g, '-');
  if (safe === signalId && safe.length <= MAX_DEDUPLICATION_ID) return safe;
  const digest = createHash('sha256').update(signalId).digest('hex').slice(0, DIGEST_CHARS);
  return `${safe.slice(0, MAX_DEDUPLICATION_ID - DIGEST_CHARS - 1)}#${digest}`;
}

/** Sends a health signal to the health queue; the remediation policy decides there. */
export async function submitSignal(deps: Pick<CoreDeps, 'clock' | 'queue'>, submission: z.output<typeof AlarmSubmission>): Promise<HealthSignal> {
  const now = deps.clock.now();
  const signal: HealthSignal = { ...submission, id: submission.id ?? newId('sig', now), observedAt: submission.observedAt ?? now.toISOString() };
  await deps.queue.send({
    id: envelopeIdFor(signal.id),
    type: 'health.alarm',
    service: signal.service,
    occurredAt: now.toISOString(),
    correlationId: signal.id,
    schemaVersion: SCHEMA_VERSION,
    payload: { signal },
  });
  return signal;
}
