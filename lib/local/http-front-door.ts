import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
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
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
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

/** Serves the HTTP API on loopback by turning requests into API Gateway v2 events for the same handler. */
export async function startHttpFrontDoor(handler: ApiHandler, port: number, host = '127.0.0.1'): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((req, res) => {
    const work = serve(req, res);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  const serve = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    try {
      const body = await readLimited(req, MAX_BODY_BYTES);
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the request body is larger than ${MAX_BODY_BYTES} bytes` } }));
        return;
      }
      const event = toApiGatewayEvent(req, body, req.headers.host ?? `${host}:${port}`);
      // A web page must never drive the local control plane through its user's browser (form posts, DNS rebinding).
      const refused = notFromThisMachine({ method: event.requestContext.http.method, path: event.rawPath, query: {}, headers: event.headers, sourceIp: req.socket.remoteAddress });
      if (refused) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: `the local API serves programs on this machine only: ${refused}` } }));
        return;
      }
      const result = await handler(event, localLambdaContext('api', 30_000));
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      res.end(result.body ?? '');
    } catch (err) {
      console.error('local API failed', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error; it has been logged' } }));
    }
  };
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
