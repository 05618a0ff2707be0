/**
 * `GET|POST /api/v1/query` in the Prometheus HTTP API format, answered from the workload telemetry at
 * the current simulated time. Queries outside the supported PromQL slice get 400 `bad_data`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util.js';
import { evaluate } from './promql-eval.js';
import { PromQlError, parsePromQl } from './promql.js';
import type { CounterSeries } from './workload-telemetry.js';

/** Prometheus renders sample values as strings, with NaN/±Inf spelled its way. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Answers one query: the Prometheus API response body and HTTP status. */
export function answerQuery(query: string | null, series: readonly CounterSeries[], nowMs: number): { status: number; body: Record<string, unknown> } {
  if (query === null) return { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": query is required' } };
  try {
    const result = evaluate(parsePromQl(query), series, nowMs);
    const t = nowMs / 1000;
    if (result.type === 'scalar') return { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [t, formatValue(result.value)] } } };
    return {
      status: 200,
      body: { status: 'success', data: { resultType: 'vector', result: result.samples.map((s) => ({ metric: s.labels, value: [t, formatValue(s.value)] })) } },
    };
  } catch (err) {
    if (err instanceof PromQlError || err instanceof SyntaxError)
      return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `invalid parameter "query": ${err.message}` } };
    throw err;
  }
}

/** Handles `/api/v1/query` (GET query string or POST form body). */
export async function handlePrometheusQuery(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  series: () => readonly CounterSeries[],
  now: () => number,
): Promise<void> {
  let params = url.searchParams;
  if (req.method === 'POST') {
    const body = (await readBody(req)).toString('utf8');
    params = new URLSearchParams([...url.searchParams, ...new URLSearchParams(body)]);
  } else if (req.method !== 'GET') {
    return sendJson(res, 405, { status: 'error', errorType: 'bad_data', error: `method ${req.method} not allowed` });
  }
  const { status, body } = answerQuery(params.get('query'), series(), now());
  sendJson(res, status, body);
}
