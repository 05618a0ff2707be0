import type { z } from 'zod';
import { isOverload, MeshplaneError, OverloadedError, ValidationError, type Problem } from '../errors.js';

/** A request as the API sees it, whatever carried it (API Gateway, the local server). */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body?: string;
  requestId?: string;
  /** The API Gateway route that matched (`POST /v1/clusters`, `ANY /v1/{proxy+}`); `$default` locally. */
  routeKey?: string;
  /** The caller's address as the transport saw it. */
  sourceIp?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Largest request body accepted. A service spec is a few KB; this leaves room and stops abuse. */
export const MAX_BODY_BYTES = 256 * 1024;

export class PayloadTooLargeError extends MeshplaneError {
  override readonly code = 'PAYLOAD_TOO_LARGE';
  override readonly status = 413;
}

export class MethodNotAllowedError extends MeshplaneError {
  override readonly code = 'METHOD_NOT_ALLOWED';
  override readonly status = 405;
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function problemsFromZod(error: z.ZodError, prefix: string[] = []): Problem[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    // One problem per unknown field, at its own path (rollout.stratgy), so each typo is easy to find.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
    return [{ path: path.join('.'), message: issue.message }];
  });
}

/**
 * Reads a JSON body whatever its content type says (curl -d sends form encoding): 413 when too large,
 * 400 when malformed. An empty body is `{}`.
 */
export function readJson(request: HttpRequest): unknown {
  const raw = request.body ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch (err) {
    // V8's message quotes a piece of the body ("Unexpected token 'h', \"hunter2…\" is not valid JSON"): keep only the position.
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    throw new ValidationError([{ path: '', message: `malformed JSON${position ? ` at position ${position}` : ''}` }], 'the request body is not JSON');
  }
}

/** Validates data against a schema, reporting every problem at once. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ValidationError(problemsFromZod(result.error));
  return result.data;
}

/** Parses and validates a JSON body. */
export function parseBody<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  return validate(schema, readJson(request));
}

export function parseQuery<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  const result = schema.safeParse(request.query);
  if (!result.success) throw new ValidationError(problemsFromZod(result.error, ['query']), 'the query string is not valid');
  return result.data;
}

/**
 * Maps an error to a response. Overload (throttling, timeouts, a full front door) becomes 503 (or 429)
 * with Retry-After; unknown errors become a 500 that names the request id, never a stack.
 */
export function errorResponse(err: unknown, requestId?: string): HttpResponse {
  if (err instanceof OverloadedError) return overloaded(err.status, err.message, err.retryAfterSeconds);
  if (!(err instanceof MeshplaneError) && isOverload(err))
    return overloaded(503, 'meshplane is busy (a dependency is throttling or slow); nothing was lost, try again', 1);
  if (err instanceof MeshplaneError && err.status < 500 && err.status !== 422) {
    const body: Record<string, unknown> = { code: err.code, message: err.message };
    if (err instanceof ValidationError) body.problems = err.problems;
    const headers: Record<string, string> =
      err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : err.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    return json(err.status, { error: body }, headers);
  }
  if (err instanceof MeshplaneError && (err.retryable || err.status === 422)) {
    return json(err.status, { error: { code: err.code, message: err.message } }, err.retryable ? { 'retry-after': '1' } : {});
  }
  return json(500, { error: { code: 'INTERNAL', message: `internal error${requestId ? ` (request ${requestId})` : ''}; it has been logged` } });
}

/** 429 or 503 with Retry-After: the caller should come back, nothing was done or lost. */
export function overloaded(status: number, message: string, retryAfterSeconds: number): HttpResponse {
  return json(status, { error: { code: 'OVERLOADED', message } }, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
}
