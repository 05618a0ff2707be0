/**
 * Instant queries against the Prometheus HTTP API (`/api/v1/query`), as served by Prometheus, Amazon
 * Managed Service for Prometheus (with SigV4) and the simulated cluster.
 */
import { TerminalError, TransientError } from '../../errors.js';
import type { RequestSigner } from './aws-sigv4-signer.js';

export interface PrometheusQueryClientOptions {
  /**
   * Base URL the API paths are appended to: `http://prometheus:9090`, or an AMP workspace
   * `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`.
   */
  baseUrl: string;
  /** Per request, default 10 s. */
  timeoutMs?: number;
  /** Signs each request (SigV4 for AMP). */
  signer?: RequestSigner;
  /** `POST` (form body, no URL length limit; the default) or `GET`. */
  method?: 'GET' | 'POST';
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** `{status, data: {resultType, result}}` as documented for the Prometheus HTTP API. */
interface PrometheusResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * Runs instant queries and reduces each answer to one number. Failures are typed: network errors,
 * timeouts, 429 and 5xx are TransientError; other 4xx (a bad query, forbidden) and answers that are
 * not a Prometheus response are TerminalError.
 */
export class PrometheusQueryClient {
  private readonly endpoint: URL;
  private readonly timeoutMs: number;
  private readonly method: 'GET' | 'POST';

  constructor(private readonly options: PrometheusQueryClientOptions) {
    this.endpoint = new URL(`${options.baseUrl.replace(/\/+$/, '')}/api/v1/query`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.method = options.method ?? 'POST';
  }

  /**
   * The value of a query that yields at most one series (an aggregate). Undefined when it yields no
   * series or a NaN (e.g. a quantile over no samples).
   */
  async queryValue(promql: string): Promise<number | undefined> {
    const body = await this.send(promql);
    return singleValue(promql, body);
  }

  /** Every series of an instant-vector query with its labels; NaN samples are left out. */
  async queryVector(promql: string): Promise<{ labels: Record<string, string>; value: number }[]> {
    const { resultType, result } = (await this.send(promql)).data ?? {};
    if (resultType !== 'vector' || !Array.isArray(result)) {
      throw new TerminalError(`Prometheus answered ${quote(promql)} with a ${resultType ?? 'missing'} result; expected a vector`);
    }
    const samples: { labels: Record<string, string>; value: number }[] = [];
    for (const series of result as { metric?: Record<string, string>; value?: unknown }[]) {
      const value = sampleValue(promql, series.value);
      if (value !== undefined) samples.push({ labels: series.metric ?? {}, value });
    }
    return samples;
  }

  private async send(promql: string): Promise<PrometheusResponse> {
    const url = new URL(this.endpoint);
    const form = new URLSearchParams({ query: promql });
    let headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (this.method === 'POST') {
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      url.search = form.toString();
    }
    if (this.options.signer) headers = await this.options.signer.sign({ method: this.method, url, headers, body });
    delete headers.host; // fetch derives Host from the URL (the value that was signed)

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: this.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : describeNetworkError(err);
      throw new TransientError(`Prometheus query to ${url.host} failed: ${reason}`, { cause: err });
    }

    const parsed = parseJson(text);
    if (!response.ok) {
      const detail = parsed?.error ? `${parsed.errorType ?? 'error'}: ${parsed.error}` : text.slice(0, 200);
      const message = `Prometheus answered ${response.status} to ${quote(promql)}: ${detail}`;
      if (response.status === 429 || response.status >= 500) throw new TransientError(message);
      throw new TerminalError(message);
    }
    if (!parsed || parsed.status !== 'success') {
      throw new TerminalError(
        `Prometheus answered ${quote(promql)} with ${parsed?.error ? `an error: ${parsed.error}` : 'something that is not a query result'}`,
      );
    }
    return parsed;
  }
}

function singleValue(promql: string, body: PrometheusResponse): number | undefined {
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar') return sampleValue(promql, result);
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new TerminalError(`Prometheus answered ${quote(promql)} with a ${resultType ?? 'missing'} result; expected a vector`);
  }
  if (result.length === 0) return undefined;
  if (result.length > 1) throw new TerminalError(`Prometheus answered ${quote(promql)} with ${result.length} series; expected one`);
  return sampleValue(promql, (result[0] as { value?: unknown }).value);
}

/** A sample is `[unixSeconds, "value"]`; values are strings ("NaN", "+Inf" included). */
function sampleValue(promql: string, sample: unknown): number | undefined {
  if (!Array.isArray(sample) || sample.length !== 2 || typeof sample[1] !== 'string') {
    throw new TerminalError(`Prometheus answered ${quote(promql)} with a malformed sample`);
  }
  const value = Number(sample[1]);
  return Number.isNaN(value) ? undefined : value;
}

function parseJson(text: string): PrometheusResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as PrometheusResponse) : undefined;
  } catch {
    return undefined;
  }
}

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function quote(promql: string): string {
  return promql.length > 120 ? `"${promql.slice(0, 117)}..."` : `"${promql}"`;
}
