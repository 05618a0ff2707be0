import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEventFeed, FedEvent } from './audit-event-feed.js';

export const EVENT_STREAM_PATH = '/v1/events/stream';

/** Seconds between comment lines that keep idle proxies and clients from closing the stream. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /v1/events/stream[?service=NAME]`: the audit events as server-sent events, as they are committed.
 * Each is `event: audit`, `id: <seq>`, `data: <the event as GET /v1/services/{name}/events returns it>`.
 * A client reconnecting with `Last-Event-ID` first gets what it missed while the feed still holds it;
 * when it no longer does (or the runtime restarted), a `resync` event tells it to re-read from the API.
 * Local only: API Gateway's HTTP API does not stream responses, so on AWS the dashboard polls.
 */
export function serveEventStream(req: IncomingMessage, res: ServerResponse, feed: AuditEventFeed): () => void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const service = url.searchParams.get('service') ?? undefined;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (fed: FedEvent) => {
    if (service !== undefined && fed.event.service !== service) return;
    res.write(`event: audit\nid: ${fed.seq}\ndata: ${JSON.stringify(fed.event)}\n\n`);
  };
  res.write(`retry: 1000\n: meshplane audit events${service ? ` of ${service}` : ''}\n\n`);
  const lastId = Number(req.headers['last-event-id']);
  if (Number.isInteger(lastId) && lastId >= 0) {
    const missed = feed.since(lastId);
    if (!missed.complete) res.write(`event: resync\nid: ${feed.lastSeq}\ndata: {"reason":"events were missed; re-read from the API"}\n\n`);
    else for (const fed of missed.events) send(fed);
  }
  const unsubscribe = feed.subscribe(send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const close = () => {
    clearInterval(heartbeat);
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  // The response's close, not the request's: a request's 'close' fires once its (empty) body was read.
  res.on('close', close);
  res.on('error', close);
  return close;
}
