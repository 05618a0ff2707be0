/** A JSON response as the tests look at it. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Minimal HTTP helper for API tests: sends `body` as JSON unless it is already a string (so tests can
 * send malformed JSON), and parses the response as JSON when there is one.
 */
export async function call<T = any>(baseUrl: string, method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
