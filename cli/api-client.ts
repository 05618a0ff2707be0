/** A small client for the meshplane HTTP API, used by the CLI. Errors carry the API's message. */
import type { RequestSigner } from '../lib/adapters/metrics/aws-sigv4-signer.js';
import { executeApiSigner } from './sigv4-auth.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The meshplane error body, or API Gateway's own (`{"message": "Unauthorized"}`). */
    readonly body: { error?: { code?: string; message?: string; problems?: { path: string; message: string }[] }; message?: string },
    hint?: string,
  ) {
    const problems = body.error?.problems?.map((p) => `  - ${p.path || '(body)'}: ${p.message}`).join('\n');
    super(`${body.error?.message ?? body.message ?? `HTTP ${status}`}${hint ? ` (${hint})` : ''}${problems ? `\n${problems}` : ''}`);
  }
}

/** Where the API is and how to authenticate to it. */
export interface ApiConnection {
  baseUrl: string;
  /** A bearer token (JWT) for a deployed API behind a JWT authorizer; none for the local runtime. */
  token?: string;
  /**
   * `iam`: requests are SigV4-signed for `execute-api` with the AWS credentials of the default chain (a
   * deployed API in its default IAM mode). Chosen by `--auth iam`, `MESHPLANE_AUTH=iam`, or an
   * `execute-api` URL without a token.
   */
  auth?: 'iam';
  /** The region to sign for; from the `execute-api` URL, else `AWS_REGION`. */
  region?: string;
}

/** The default API of the CLI: the local runtime's (`npm start` prints it; it listens on `PORT`, default 8080). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** `https://{id}.execute-api.{region}.amazonaws.com[.cn]/…` → region; undefined for other URLs (custom domains: pass --auth iam). */
export function executeApiRegion(url: string): string | undefined {
  try {
    return /^[a-z0-9]+\.execute-api(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The connection from `--api` / `--token` / `--auth`, falling back to `MESHPLANE_API` / `MESHPLANE_TOKEN` /
 * `MESHPLANE_AUTH`, and to the local runtime on `PORT` when that is set (as `npm start` does).
 */
export function resolveApiConnection(flags: { api?: string; token?: string; auth?: string }, env: NodeJS.ProcessEnv = process.env): ApiConnection {
  const token = flags.token ?? (env.MESHPLANE_TOKEN || undefined);
  const baseUrl = flags.api ?? (env.MESHPLANE_API || (env.PORT ? `http://127.0.0.1:${env.PORT}` : DEFAULT_API_URL));
  const auth = flags.auth ?? (env.MESHPLANE_AUTH || undefined);
  if (auth !== undefined && auth !== 'iam' && auth !== 'token' && auth !== 'none') throw new Error(`--auth must be iam, token or none, not "${auth}"`);
  if (auth === 'token' && !token) throw new Error('--auth token needs --token TOKEN or MESHPLANE_TOKEN');
  const region = executeApiRegion(baseUrl);
  const iam = auth === 'iam' || (auth === undefined && !token && region !== undefined);
  if (!iam) return { baseUrl, ...(token && auth !== 'none' ? { token } : {}) };
  const signingRegion = region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (!signingRegion) throw new Error("--auth iam needs the API's region: set AWS_REGION (it is read from execute-api URLs)");
  return { baseUrl, auth: 'iam', region: signingRegion };
}

/** Attempts of one request while the API says it is busy (429/503 with Retry-After). */
const MAX_BUSY_ATTEMPTS = 5;

export class ApiClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private readonly signer?: RequestSigner;

  constructor(connection: ApiConnection, signer?: RequestSigner) {
    this.baseUrl = connection.baseUrl;
    this.token = connection.token;
    this.signer = signer ?? (connection.auth === 'iam' ? executeApiSigner(connection.region ?? '') : undefined);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res: Response;
    // A busy API answers 429 (or 503) with Retry-After: wait as told, a few times, before giving up.
    for (let attempt = 1; ; attempt++) {
      // Signed anew each attempt: a SigV4 signature is only valid for a few minutes.
      const headers = await this.headers(method, url, payload);
      try {
        res = await fetch(url, { method, headers, body: payload });
      } catch (err) {
        throw new Error(
          `cannot reach the meshplane API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Start one with: npm start`,
        );
      }
      const retryAfter = Number(res.headers.get('retry-after'));
      if ((res.status !== 429 && res.status !== 503) || !(retryAfter >= 0) || attempt >= MAX_BUSY_ATTEMPTS) break;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Math.min(retryAfter, 30) * 1000));
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!res.ok) throw new ApiError(res.status, parsed, res.status === 401 || res.status === 403 ? this.authHint(res.status) : undefined);
    return parsed as T;
  }

  private async headers(method: string, url: URL, payload: string | undefined): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (!this.signer) return headers;
    try {
      return await this.signer.sign({ method, url, headers, body: payload });
    } catch (err) {
      throw new Error(`cannot sign the request with AWS credentials (${(err as Error).message}); configure a profile or AWS_* variables, or pass --token`);
    }
  }

  private authHint(status: number): string | undefined {
    if (this.signer)
      return status === 403 ? 'your AWS identity may not invoke this API: it needs execute-api:Invoke on it' : 'the request was not signed as the API expects';
    if (status === 403) return undefined;
    return this.token ? 'the token was rejected' : 'this API needs a token (pass --token or set MESHPLANE_TOKEN) or IAM signing (--auth iam)';
  }

  /** Polls an operation until it is no longer pending. */
  async waitForOperation(id: string, timeoutMs = 120_000): Promise<{ status: string; reason?: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const op = await this.request<{ status: string; reason?: string }>('GET', `/v1/operations/${encodeURIComponent(id)}`);
      if (op.status !== 'pending') return op;
      if (Date.now() > deadline) throw new Error(`operation ${id} is still pending after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
