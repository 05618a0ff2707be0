import * as z from 'zod';
import { ServiceSpec } from '../model/service-spec.js';

/** Response shapes, for the OpenAPI document. Requests are validated with the model's schemas. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const Accepted = z.object({
  operationId: z.string(),
  status: z.literal('pending'),
  service: ServiceSpec.optional().describe('The spec with defaults filled in, as it will be applied'),
  deploymentId: z.string().optional(),
  links: z.record(z.string(), z.string()),
});

export const Operation = z.object({
  id: z.string(),
  kind: z.string(),
  service: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  reason: z.string().optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const Service = z.object({
  name: z.string(),
  spec: ServiceSpec,
  version: z.number().int(),
  revision: z.number().int(),
  phase: z.enum(['active', 'failed', 'deleted']),
  reason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastOperationId: z.string(),
  status: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Replicas and pods per zone as the reconcile last observed them, with observedAt and ageSeconds; {error} when not observed yet'),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().optional() });

export const AuditEventSchema = z.object({
  service: z.string(),
  id: z.string(),
  at: z.string(),
  type: z.string(),
  message: z.string(),
  operationId: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const Deployment = z.object({
  id: z.string(),
  service: z.string(),
  image: z.string(),
  status: z.string(),
  strategy: z.enum(['canary', 'blueGreen']),
  fromRevision: z.number().int(),
  toRevision: z.number().int().optional(),
  currentStep: z.number().int().optional(),
  currentWeight: z.number().optional(),
  steps: z.array(z.record(z.string(), z.unknown())).describe('The steps of the rollout (with waves: of the wave under way)'),
  waves: z
    .array(
      z.object({
        index: z.number().int(),
        clusters: z.array(z.string()),
        status: z.enum(['pending', 'running', 'baking', 'released', 'rolledBack']),
        startedAt: z.string().optional(),
        passedAt: z.string().optional().describe('When its last step passed'),
        releasedAt: z.string().optional().describe('When its bake ended and the next wave (or the promotion) could start'),
        steps: z.array(z.record(z.string(), z.unknown())).optional().describe('Its steps, once it passed them'),
        bake: z.record(z.string(), z.unknown()).optional().describe('Its bake: analyses, observedSeconds, verdict, reasons, metrics'),
      }),
    )
    .optional()
    .describe('A service in several clusters: the waves of the rollout, in order'),
  currentWave: z.number().int().optional().describe('Index of the wave under way'),
  reason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
