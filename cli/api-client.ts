/** A small client for the meshplane HTTP API, used by the CLI. Errors carry the API's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code?: string; message?: string; problems?: { path: string; message: string }[] } },
  ) {
    const problems = body.error?.problems?.map((p) => `  - ${p.path || '(body)'}: ${p.message}`).join('\n');
    super(`${body.error?.message ?? `HTTP ${status}`}${problems ? `\n${problems}` : ''}`);
  }
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`cannot reach the meshplane API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Start one with: npm start`);
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    if (!res.ok) throw new ApiError(res.status, parsed);
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
