/** A small client for the meshplane HTTP API, used by the CLI. Errors carry the API's message. */
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
}

/** The default API of the CLI: the local runtime's. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** The connection from `--api` / `--token`, falling back to `MESHPLANE_API` / `MESHPLANE_TOKEN`. */
export function resolveApiConnection(flags: { api?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ApiConnection {
  const token = flags.token ?? (env.MESHPLANE_TOKEN || undefined);
  return { baseUrl: flags.api ?? (env.MESHPLANE_API || DEFAULT_API_URL), ...(token ? { token } : {}) };
}

/** Attempts of one request while the API says it is busy (429/503 with Retry-After). */
const MAX_BUSY_ATTEMPTS = 5;

export class ApiClient {
  readonly baseUrl: string;
  private readonly token?: string;

  constructor(connection: ApiConnection) {
    this.baseUrl = connection.baseUrl;
    this.token = connection.token;
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    // A busy API answers 429 (or 503) with Retry-After: wait as told, a few times, before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(new URL(path, this.baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
    if (!res.ok)
      throw new ApiError(
        res.status,
        parsed,
        res.status === 401 ? (this.token ? 'the token was rejected' : 'this API needs a token: pass --token or set MESHPLANE_TOKEN') : undefined,
      );
    return parsed as T;
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
