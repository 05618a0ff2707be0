/**
 * Turns whatever `@kubernetes/client-node` throws (ApiException with a Status body, undici network
 * errors, aborts from the per-request timeout) into one small description, and that into meshplane's
 * error types. Pure.
 */
import { ApiException } from '@kubernetes/client-node';
import { TerminalError, TransientError } from '../../errors.js';
import { isRetryableStatus, parseRetryAfterMs } from './retry-policy.js';

/** What went wrong with one Kubernetes API request. */
export type KubeFailure =
  | {
      kind: 'http';
      status: number;
      /** Status.reason, e.g. NotFound, Invalid, Forbidden */
      reason?: string;
      /** Status.message, or a summary of a non-Status body */
      message: string;
      retryAfterMs?: number;
    }
  | { kind: 'timeout'; message: string }
  | { kind: 'network'; message: string }
  | { kind: 'other'; message: string };

/** Error codes of connection-level failures that may pass on retry. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Describes an error thrown by a client-node call. */
export function classifyKubeFailure(error: unknown, nowMs: number = Date.now()): KubeFailure {
  if (error instanceof ApiException) return describeHttpFailure(error, nowMs);
  if (isTimeout(error)) return { kind: 'timeout', message: `the request timed out or was aborted (${timeoutDetail(error)})` };
  const networkCode = findNetworkCode(error);
  if (networkCode !== undefined) {
    return { kind: 'network', message: `network error ${networkCode}: ${rootMessage(error)}` };
  }
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/** 429/5xx, timeouts and network errors may pass on retry; everything else will not. */
export function isRetryableFailure(failure: KubeFailure): boolean {
  switch (failure.kind) {
    case 'http':
      return isRetryableStatus(failure.status);
    case 'timeout':
    case 'network':
      return true;
    case 'other':
      return false;
  }
}

/** The API server refused a request for good (4xx other than 429): an invalid object, forbidden, … */
export class KubeApiRejectedError extends TerminalError {
  constructor(
    /** What was attempted, e.g. `apply Deployment shop/cart` */
    readonly operation: string,
    /** HTTP status the API server answered, e.g. 422 */
    readonly httpStatus: number | undefined,
    /** Status.reason, e.g. Invalid */
    readonly reason: string | undefined,
    /** The API server's own message, verbatim, e.g. `Deployment.apps "cart" is invalid: …` */
    readonly apiMessage: string,
    options?: { cause?: unknown },
  ) {
    const status = httpStatus === undefined ? '' : ` (${httpStatus}${reason ? ` ${reason}` : ''})`;
    super(`Kubernetes API rejected ${operation}${status}: ${apiMessage}`, options);
  }

  /** True when the object (or its namespace) does not exist. */
  get isNotFound(): boolean {
    return this.httpStatus === 404;
  }

  /**
   * True when the cluster does not serve the kind at all (e.g. Istio's CRDs are not installed):
   * discovery has no such group/version (404) or the group/version lacks the kind.
   */
  get isKindNotServed(): boolean {
    return this.isNotFound || this.apiMessage.startsWith(UNRECOGNIZED_KIND_MESSAGE);
  }
}

/** What client-node's KubernetesObjectApi throws when discovery does not list a kind. */
const UNRECOGNIZED_KIND_MESSAGE = 'Unrecognized API version and kind';

/** The API server stayed unavailable (429/5xx/timeouts/network) through every attempt. */
export class KubeApiUnavailableError extends TransientError {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    readonly lastFailure: KubeFailure,
    options?: { cause?: unknown },
  ) {
    const status = lastFailure.kind === 'http' ? ` (${lastFailure.status})` : '';
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    super(`Kubernetes API unavailable for ${operation} after ${tries}: ${lastFailure.message}${status}`, options);
  }
}

/** Meshplane error for a failure that will not be retried (any more). */
export function toMeshplaneError(operation: string, failure: KubeFailure, attempts: number, cause: unknown): KubeApiRejectedError | KubeApiUnavailableError {
  if (isRetryableFailure(failure)) return new KubeApiUnavailableError(operation, attempts, failure, { cause });
  return failure.kind === 'http'
    ? new KubeApiRejectedError(operation, failure.status, failure.reason, failure.message, { cause })
    : new KubeApiRejectedError(operation, undefined, undefined, failure.message, { cause });
}

function describeHttpFailure(error: ApiException<unknown>, nowMs: number): KubeFailure {
  const headers = error.headers ?? {};
  const retryAfterMs = parseRetryAfterMs(headerValue(headers, 'retry-after'), nowMs);
  const status = parseStatusBody(error.body);
  return {
    kind: 'http',
    status: error.code,
    reason: status?.reason,
    message: status?.message ?? summarizeBody(error.body) ?? `HTTP ${error.code}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function parseStatusBody(body: unknown): { reason?: string; message?: string } | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.kind !== 'Status') return undefined;
  return {
    reason: typeof record.reason === 'string' && record.reason ? record.reason : undefined,
    message: typeof record.message === 'string' && record.message ? record.message : undefined,
  };
}

function summarizeBody(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  const text = body.trim().replace(/\s+/g, ' ');
  if (!text) return undefined;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * client-node's discovery (`KubernetesObjectApi.resource`) annotates a failure by assigning to its
 * `message`; when the failure is the DOMException of an aborted fetch, whose `message` is a getter, that
 * assignment throws this TypeError instead, and the DOMException is lost. It only happens to aborts.
 */
const ANNOTATED_DOM_EXCEPTION = /^Cannot set property message of .*which has only a getter/;

/** Timeouts and aborts, by name (DOMException or Error), undici code, or client-node's lost annotation. */
function isTimeout(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const name = (e as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (codeOf(e) === 'UND_ERR_CONNECT_TIMEOUT' || codeOf(e) === 'UND_ERR_HEADERS_TIMEOUT' || codeOf(e) === 'ABORT_ERR') return true;
    if (e instanceof TypeError && ANNOTATED_DOM_EXCEPTION.test(e.message)) return true;
  }
  return false;
}

/** What ended the request, for the message: read only, the foreign error is never changed. */
function timeoutDetail(error: unknown): string {
  for (const e of causeChain(error)) {
    const name = (e as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError') return 'no answer within the request timeout';
    if (name === 'AbortError') return 'the caller cancelled it';
    if (codeOf(e) === 'UND_ERR_CONNECT_TIMEOUT') return 'no connection within the connect timeout';
    if (codeOf(e) === 'UND_ERR_HEADERS_TIMEOUT') return 'no response headers in time';
  }
  return 'no answer within the request timeout';
}

function findNetworkCode(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const code = codeOf(e);
    if (code !== undefined && (TRANSIENT_NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) return code;
  }
  // undici reports some socket failures only as `TypeError: fetch failed` without a code.
  if (error instanceof TypeError && /fetch failed/.test(error.message)) return 'FETCH_FAILED';
  return undefined;
}

function* causeChain(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function rootMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const e of causeChain(error)) {
    if (e instanceof Error && e.message) message = e.message;
  }
  return message;
}
