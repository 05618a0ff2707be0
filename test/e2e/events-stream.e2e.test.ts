/**
 * Issue 18, local half of "events out" and the dashboard's one read of the mesh, on the whole local
 * runtime: `GET /v1/events/stream` sends each committed audit event as a server-sent event (resuming
 * after `Last-Event-ID`, refusing web pages of other sites), and `GET /v1/mesh` shows registered services
 * with their observed replicas and health and the declared call between them with its cross-zone share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lib/model/records.js';
import type { MeshView } from '../../lib/usecases/queries/mesh-view.js';
import { waitFor } from '../support/wait-for.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

let rt: E2eRuntime;

beforeAll(async () => {
  rt = await startE2eRuntime();
});

afterAll(async () => {
  await rt?.stop();
});

interface ServerSentEvent {
  event?: string;
  id?: string;
  data?: string;
}

/** Reads a server-sent event stream, collecting its events until closed. */
function followStream(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const events: ServerSentEvent[] = [];
  const opened = fetch(`${rt.url}${path}`, { headers, signal: controller.signal });
  const done = (async () => {
    const res = await opened;
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ServerSentEvent = {};
          for (const line of block.split('\n')) {
            const [, field, value] = /^([a-z]+): ?(.*)$/.exec(line) ?? [];
            if (field === 'event' || field === 'id' || field === 'data') event[field] = value;
          }
          if (event.data !== undefined) events.push(event);
        }
      }
    } catch {
      // aborted
    }
  })();
  const audit = () => events.filter((e) => e.event === 'audit').map((e) => ({ id: e.id!, event: JSON.parse(e.data!) as AuditEvent }));
  return { opened, events, audit, close: () => (controller.abort(), done) };
}

describe('GET /v1/events/stream', () => {
  it('sends every committed audit event once, as it is committed, and resumes after Last-Event-ID', async () => {
    const stream = followStream('/v1/events/stream');
    const res = await stream.opened;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const only = followStream('/v1/events/stream?service=streamed-b');

    await rt.api.register({ name: 'streamed-a', image: 'example/a:1', port: 8080, replicas: 1 });
    await rt.api.register({ name: 'streamed-b', image: 'example/b:1', port: 8080, replicas: 1 });
    const registered = await waitFor(
      'both registrations on the stream',
      async () => {
        const seen = stream.audit().filter((e) => e.event.type === 'ServiceRegistered');
        return seen.length >= 2 ? seen : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(registered.map((e) => e.event.service).sort()).toEqual(['streamed-a', 'streamed-b']);
    // As the trail has them (same id, type, message).
    const trail = await rt.api.events('streamed-a');
    const fromTrail = trail.find((e) => e.type === 'ServiceRegistered')!;
    expect(registered.find((e) => e.event.service === 'streamed-a')!.event).toEqual(fromTrail);
    // Ids increase; no event twice.
    const ids = stream.audit().map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(stream.audit().map((e) => e.event.id)).size).toBe(ids.length);
    // The filtered stream got streamed-b's only.
    await waitFor('the filtered stream', async () => (only.audit().length > 0 ? true : undefined));
    expect(new Set(only.audit().map((e) => e.event.service))).toEqual(new Set(['streamed-b']));

    // A client that reconnects after the first event gets the rest again, from the feed.
    const first = stream.audit()[0];
    const resumed = followStream('/v1/events/stream', { 'last-event-id': first.id });
    const replayed = await waitFor('the replay', async () => (resumed.audit().length >= ids.length - 1 ? resumed.audit() : undefined));
    expect(replayed.map((e) => e.event.id).slice(0, ids.length - 1)).toEqual(
      stream
        .audit()
        .slice(1)
        .map((e) => e.event.id),
    );
    // An id the feed does not know (a restart since) asks the client to re-read instead.
    const stale = followStream('/v1/events/stream', { 'last-event-id': '99999999' });
    await waitFor('the resync', async () => (stale.events.some((e) => e.event === 'resync') ? true : undefined));
    await Promise.all([stream.close(), only.close(), resumed.close(), stale.close()]);
  }, 180_000);

  it('refuses web pages of other sites, like the API', async () => {
    const res = await fetch(`${rt.url}/v1/events/stream`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const page = await fetch(`${rt.url}/`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(page.status).toBe(403);
  }, 180_000);
});

describe('GET /v1/mesh and the dashboard page', () => {
  it('shows services with observed replicas and health, and the declared call with its cross-zone share', async () => {
    await rt.api.register({ name: 'mesh-users', image: 'example/users:1', port: 8080, replicas: 3 });
    await rt.api.register({
      name: 'mesh-orders',
      image: 'example/orders:1',
      port: 8080,
      replicas: 2,
      dependencies: [{ service: 'mesh-users', rps: 40 }],
    });
    // Pods and nodes are each observed on their own (the nodes by the health probe's run), so wait for both.
    const mesh = await waitFor(
      'both observed ready, and the nodes observed',
      async () => {
        const answer = await rt.api.request<MeshView>('GET', '/v1/mesh');
        expect(answer.status).toBe(200);
        const ready = (name: string) => answer.body.services.find((s) => s.name === name)?.health === 'healthy';
        return ready('mesh-users') && ready('mesh-orders') && answer.body.nodes.length > 0 ? answer.body : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(mesh.services.find((s) => s.name === 'mesh-users')).toMatchObject({ replicas: 3, readyReplicas: 3, phase: 'active' });
    const edge = mesh.edges.find((e) => e.from === 'mesh-orders' && e.to === 'mesh-users')!;
    expect(edge.declaredRps).toBe(40);
    expect(edge.crossZoneShare).toBeGreaterThanOrEqual(0);
    expect(edge.crossZoneShare).toBeLessThanOrEqual(1);
    expect(edge.dollarsPerMonth).toBeGreaterThanOrEqual(0);
    expect(new Set(mesh.nodes.map((n) => n.zone)).size).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('serves the page and its assets, gzipped when asked, with a strict Content-Security-Policy', async () => {
    const page = await fetch(`${rt.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="assets/app.js">');
    const script = await fetch(`${rt.url}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
  }, 180_000);
});
