/**
 * A tiny HTTP server for tests that need exact control over what the "API server" answers (hangs,
 * Retry-After, pagination, captured headers). The simulator covers realistic behaviour; this covers
 * the edges. Bound to 127.0.0.1 on an ephemeral port.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export type Handler = (request: RecordedRequest, index: number) => Reply;

export interface ScriptedApiServer {
  url: string;
  requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** Discovery document for apps/v1 so KubernetesObjectApi can resolve Deployments. */
export const APPS_V1_RESOURCES = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'apps/v1',
  resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['get', 'list', 'patch', 'delete'] }],
};

export function status(code: number, reason: string, message: string, headers: Record<string, string> = {}): Reply {
  return { status: code, headers, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message } };
}

export async function startScriptedApiServer(): Promise<ScriptedApiServer> {
  let handler: Handler = () => status(404, 'NotFound', 'no handler');
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const reply = handler(recorded, requests.length - 1);
      if (reply === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
