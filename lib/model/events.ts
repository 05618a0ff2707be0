import * as z from 'zod';
import { dns1123Label } from './names.js';

export const EVENT_TYPES = [
  'service.registered',
  'service.updated',
  'service.deregistered',
  // Converge one service's cluster to its stored record (sent by the alarm intake, which holds no cluster access).
  'service.converge',
  'deploy.requested',
  // A release train (the envelope's `service` is the release id: its own message group).
  'release.requested',
  'health.alarm',
  'optimizer.requested',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SCHEMA_VERSION = 1;

/**
 * Every message on a meshplane queue. The envelope names what to look at (a service and an
 * operation); handlers reload state and converge, so a message delivered twice does no harm.
 */
export const EventEnvelope = z.object({
  id: z.string().min(1).describe('Operation id; also the SQS deduplication id'),
  type: z.enum(EVENT_TYPES),
  service: dns1123Label,
  occurredAt: z.iso.datetime(),
  correlationId: z.string().min(1),
  schemaVersion: z.literal(SCHEMA_VERSION),
  payload: z.record(z.string(), z.unknown()).default({}),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;
