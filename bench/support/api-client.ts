/** The benchmarks' client of the meshplane HTTP API and their wait loop (bench/*.bench.ts). */

export interface Api {
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

/** JSON over HTTP against `baseUrl`; a non-2xx answer throws with its status and body. */
export function apiAt(baseUrl: string): Api {
  return {
    async call(method, path, body) {
      const res = await fetch(new URL(path, baseUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Treat a probe that throws as "not yet" (e.g. a record not written yet answers 404). */
  retryErrors?: boolean;
}

/** Probes until it returns a value; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function poll<T>(what: string, probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await (options.retryErrors ? probe().catch(() => undefined) : probe());
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}
