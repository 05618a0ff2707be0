/**
 * Kubernetes API errors as the simulated API server reports them: each becomes a `Status` object with
 * the HTTP code and `reason` a real API server would send, so clients classify them the same way.
 */
import type { ResourceType } from './resource-types.js';

/** The `reason` values of a Kubernetes `Status` that the simulated API server produces. */
export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'Forbidden'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'Gone'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

/** A `StatusDetails.causes` entry, used for Invalid (422) answers. */
export interface StatusCause {
  field: string;
  message: string;
  reason?: string;
}

/** A failed API request, carrying everything needed to render the Kubernetes `Status` answer. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details: { name?: string; group?: string; kind?: string; causes?: StatusCause[] } = {},
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** The `Status` object (apiVersion v1) sent as the response body. */
  toStatus(): Record<string, unknown> {
    return statusObject(this.code, this.reason, this.message, this.details);
  }
}

/** A Kubernetes `Status` object; `reason` is omitted for successes. */
export function statusObject(code: number, reason: StatusReason | undefined, message: string, details?: object): Record<string, unknown> {
  const status: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    code,
  };
  if (reason) status.reason = reason;
  if (details && Object.keys(details).length > 0) status.details = details;
  return status;
}

/** `deployments.apps` / `pods`: how the API server names a resource in messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

export function notFound(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
}

export function alreadyExists(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, { name, group: type.group, kind: type.plural });
}

/** Optimistic-concurrency failure: the caller sent a stale resourceVersion. */
export function staleConflict(type: ResourceType, name: string): KubeApiError {
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

export function invalid(type: ResourceType, name: string, causes: StatusCause[]): KubeApiError {
  const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new KubeApiError(422, 'Invalid', `${type.kind} "${name}" is invalid: ${list}`, {
    name,
    group: type.group,
    kind: type.kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(method: string, path: string): KubeApiError {
  return new KubeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method} ${path})`);
}
