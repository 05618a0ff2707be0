import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEventFeed } from './audit-event-feed.js';
import { DASHBOARD_HEADERS, dashboardBundle, type DashboardBundle } from './dashboard-bundle.js';
import { EVENT_STREAM_PATH, serveEventStream } from './event-stream.js';

/**
 * What the local front door serves itself rather than through the API handler: the dashboard's files
 * and the audit event stream (a long-lived response that API Gateway could not carry). GET and HEAD only.
 */
export interface LocalRoutes {
  matches(path: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends the open event streams (at shutdown). */
  close(): void;
}

const DASHBOARD_PATH = /^\/(index\.html)?$|^\/assets\/[\w.-]+\.(js|css)$/;

export function localRoutes(feed: AuditEventFeed, bundle: () => Promise<DashboardBundle> = dashboardBundle): LocalRoutes {
  const streams = new Set<() => void>();
  return {
    matches: (path) => path === EVENT_STREAM_PATH || DASHBOARD_PATH.test(path),
    async serve(req, res) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === EVENT_STREAM_PATH) {
        const close = serveEventStream(req, res, feed);
        streams.add(close);
        res.on('close', () => streams.delete(close));
        return;
      }
      const f = (await bundle())[path === '/index.html' ? '/' : path];
      if (!f) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no dashboard file ${path}` } }));
        return;
      }
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? f.gzipped : f.body;
      res.writeHead(200, {
        'content-type': f.contentType,
        'content-length': String(body.length),
        // Chunks are named by their content; the page and the entry files are revalidated.
        'cache-control': path.startsWith('/assets/chunk-') ? 'public, max-age=31536000, immutable' : 'no-cache',
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...DASHBOARD_HEADERS,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    close() {
      for (const close of streams) close();
      streams.clear();
    },
  };
}
