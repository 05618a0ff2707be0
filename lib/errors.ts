/**
 * Errors are types. Each carries a stable `code`, the HTTP status it maps to where it reaches the API,
 * and whether retrying the same work may succeed (throttling, 5xx, conflicts) or not (invalid spec,
 * forbidden).
 */
export interface Problem {
  path: string;
  message: string;
}

export class MeshplaneError extends Error {
  readonly code: string = 'INTERNAL';
  readonly status: number = 500;
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input failed validation; lists every problem at once. */
export class ValidationError extends MeshplaneError {
  override readonly code = 'VALIDATION_FAILED';
  override readonly status = 400;
  constructor(
    readonly problems: Problem[],
    message = 'the request is not valid',
  ) {
    super(`${message}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
  }
}

export class NotFoundError extends MeshplaneError {
  override readonly code = 'NOT_FOUND';
  override readonly status = 404;
}

export class AlreadyExistsError extends MeshplaneError {
  override readonly code = 'ALREADY_EXISTS';
  override readonly status = 409;
}

/** A state precondition does not hold (e.g. a rollout already running, a service being deleted). */
export class ConflictError extends MeshplaneError {
  override readonly code = 'CONFLICT';
  override readonly status = 409;
}

/** Optimistic concurrency: somebody else wrote first. Reload and try again. */
export class VersionConflictError extends MeshplaneError {
  override readonly code = 'VERSION_CONFLICT';
  override readonly status = 409;
  override readonly retryable = true;
}

/** A dependency failed in a way that may pass (throttling, 5xx, timeouts). */
export class TransientError extends MeshplaneError {
  override readonly code = 'TRANSIENT';
  override readonly status = 503;
  override readonly retryable = true;
}

/** A dependency refused the work for good (invalid object, forbidden). Retrying will not help. */
export class TerminalError extends MeshplaneError {
  override readonly code = 'TERMINAL';
  override readonly status = 422;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof MeshplaneError ? err.retryable : true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The operation was completed before (a duplicate delivery): the work is done, nothing to repeat. */
export class OperationCompletedError extends MeshplaneError {
  override readonly code = 'OPERATION_COMPLETED';
  override readonly status = 409;
}

/**
 * Too much work right now: a dependency throttles or times out, or the front door is at its limit.
 * Answered as 503 (429 when the caller is the one sending too much) with `Retry-After`.
 */
export class OverloadedError extends MeshplaneError {
  override readonly code = 'OVERLOADED';
  override readonly status: number = 503;
  override readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const OVERLOAD_NAMES =
  /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests|ServiceUnavailable|SlowDown|TimeoutError|RequestTimeout|ETIMEDOUT|ECONNRESET|socket hang up/i;

/**
 * Whether an error (ours or an SDK's, by its shape) means "overloaded or slow, try again later":
 * throttling, 429/503 from a dependency, timeouts.
 */
export function isOverload(err: unknown): boolean {
  for (
    let e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof OverloadedError) return true;
    const status = e.$metadata?.httpStatusCode;
    if (status === 429 || status === 503 || OVERLOAD_NAMES.test(`${e.name ?? ''} ${e.message ?? ''}`)) return true;
  }
  return false;
}
