import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notFromThisMachine } from '../api/admin-access.js';
import { MAX_BODY_BYTES } from '../api/http.js';
import { localLambdaContext } from './lambda-context.js';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

function readLimited(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request as API Gateway's HTTP API (payload format 2.0) would hand it to the function. */
export function toApiGatewayEvent(req: IncomingMessage, body: string, host: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', `http://${host}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
  };
}

/**
 * How much the front door takes on at once. Reads (GET/HEAD) and writes have separate slots, so a burst
 * of writes never leaves a read waiting. Beyond its slots a request is answered at once with 429 and
 * Retry-After (the caller is sending more than the runtime handles; nothing was done), never queued
 * without bound. A request that takes longer than `requestTimeoutMs` is answered 503 with Retry-After,
 * as API Gateway answers when its integration times out; the handler's own work carries on.
 */
export interface FrontDoorLimits {
  /** Reads handled at once. Default 64. */
  maxReads?: number;
  /** Writes handled at once. Default 32. */
  maxWrites?: number;
  /** Default 29 s (API Gateway's integration limit is 30 s). */
  requestTimeoutMs?: number;
  /** Seconds the caller is told to wait when turned away. Default 1. */
  retryAfterSeconds?: number;
}

export const DEFAULT_FRONT_DOOR_LIMITS = { maxReads: 64, maxWrites: 32, requestTimeoutMs: 29_000, retryAfterSeconds: 1 } as const;

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A route only the local runtime serves (outside the API function), e.g. `GET /metrics`. */
export type LocalRoute = () => { contentType: string; body: string };

/**
 * Serves the HTTP API on loopback by turning requests into API Gateway v2 events for the same handler.
 * `localRoutes` ("METHOD /path") are answered by the runtime itself, before the API function.
 */
export async function startHttpFrontDoor(
  handler: ApiHandler,
  port: number,
  host = '127.0.0.1',
  limits: FrontDoorLimits = {},
  localRoutes: Record<string, LocalRoute> = {},
): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const { maxReads, maxWrites, requestTimeoutMs, retryAfterSeconds } = { ...DEFAULT_FRONT_DOOR_LIMITS, ...limits };
  const inFlight = new Set<Promise<void>>();
  const busy = { read: 0, write: 0 };
  const server: Server = createServer((req, res) => {
    const local = localRoutes[`${req.method} ${new URL(req.url ?? '/', 'http://local').pathname}`];
    if (local) {
      req.resume();
      const { contentType, body } = local();
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
      return;
    }
    const kind = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
    if (busy[kind] >= (kind === 'read' ? maxReads : maxWrites)) {
      req.resume();
      const message = `the local API is handling ${busy[kind]} ${kind}s already; retry after ${retryAfterSeconds} s`;
      sendError(res, 429, 'TOO_MANY_REQUESTS', message, { 'retry-after': String(retryAfterSeconds) });
      return;
    }
    busy[kind]++;
    const work = serve(req, res).finally(() => busy[kind]--);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), requestTimeoutMs);
    });
    try {
      const answered = async () => {
        const body = await readLimited(req, MAX_BODY_BYTES);
        if (body === undefined) {
          sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
          return;
        }
        const event = toApiGatewayEvent(req, body, req.headers.host ?? `${host}:${port}`);
        // A web page must never drive the local control plane through its user's browser (form posts, DNS rebinding).
        const refused = notFromThisMachine({
          method: event.requestContext.http.method,
          path: event.rawPath,
          query: {},
          headers: event.headers,
          sourceIp: req.socket.remoteAddress,
        });
        if (refused) {
          sendError(res, 403, 'FORBIDDEN', `the local API serves programs on this machine only: ${refused}`);
          return;
        }
        const result = await handler(event, localLambdaContext('api', requestTimeoutMs));
        if (res.headersSent) return;
        res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
        res.end(result.body ?? '');
      };
      const handled = answered();
      const outcome = await Promise.race([handled, timedOut]);
      if (outcome === 'timeout') {
        const message = `the request took longer than ${requestTimeoutMs} ms; it may still complete, retry after ${retryAfterSeconds} s`;
        sendError(res, 503, 'TIMEOUT', message, { 'retry-after': String(retryAfterSeconds) });
        // The slot stays taken until the handler really ends: the work is still running.
        await handled.catch(() => undefined);
      }
    } catch (err) {
      // The handler's own timeout (middy's timeoutEarlyResponse fires just before the Lambda clock runs
      // out) is the same overload as the front door's: 503 with Retry-After, not an internal error.
      if ((err as Error | undefined)?.name === 'TimeoutError') {
        const message = `the request took longer than the API function's time; it may still complete, retry after ${retryAfterSeconds} s`;
        sendError(res, 503, 'TIMEOUT', message, { 'retry-after': String(retryAfterSeconds) });
        return;
      }
      console.error('local API failed', err);
      sendError(res, 500, 'INTERNAL', 'internal error; it has been logged');
    } finally {
      clearTimeout(timer);
    }
  };
  // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s), so a client never
  // reuses a connection the server is closing at that moment (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    // Stops accepting, lets requests being handled finish (they may still be writing state), then closes.
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000))]);
      server.closeAllConnections();
      await closed;
    },
  };
}
