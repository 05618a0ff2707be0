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

const DASHBOARD_PATHS = new Set(['/', '/index.html', '/assets/app.js', '/assets/app.css']);

export function localRoutes(feed: AuditEventFeed, bundle: () => Promise<DashboardBundle> = dashboardBundle): LocalRoutes {
  const streams = new Set<() => void>();
  return {
    matches: (path) => path === EVENT_STREAM_PATH || DASHBOARD_PATHS.has(path),
    async serve(req, res) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === EVENT_STREAM_PATH) {
        const close = serveEventStream(req, res, feed);
        streams.add(close);
        res.on('close', () => streams.delete(close));
        return;
      }
      const f = (await bundle())[path === '/index.html' ? '/' : path];
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? f.gzipped : f.body;
      res.writeHead(200, {
        'content-type': f.contentType,
        'content-length': String(body.length),
        // The page is tiny and always fresh; the assets change only with a new build of this process.
        'cache-control': path.startsWith('/assets/') ? 'no-cache' : 'no-store',
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
