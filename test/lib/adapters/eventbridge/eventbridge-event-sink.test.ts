/**
 * The EventBridge adapter against a boundary stub: nothing here emulates EventBridge, so a small HTTP
 * server speaks its PutEvents API as the SDK calls it (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`,
 * `{FailedEntryCount, Entries}` with an `ErrorCode` on each refused entry), refusing what the test says.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SOURCE, EventBridgeEventSink } from '../../../../lib/adapters/eventbridge/eventbridge-event-sink.js';
import { TransientError } from '../../../../lib/errors.js';
import type { AuditEvent } from '../../../../lib/model/records.js';

interface Entry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: number;
}

let server: Server;
let client: EventBridgeClient;
const calls: { target: string; entries: Entry[] }[] = [];
/** Event ids the stub refuses (ThrottlingException) this many more times each. */
const refuse = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { Entries } = JSON.parse(body) as { Entries: Entry[] };
      calls.push({ target: String(req.headers['x-amz-target']), entries: Entries });
      const results = Entries.map((e) => {
        const id = (JSON.parse(e.Detail) as AuditEvent).id;
        const left = refuse.get(id) ?? 0;
        if (left > 0) {
          refuse.set(id, left - 1);
          return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
        }
        return { EventId: `eb-${id}` };
      });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify({ FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new EventBridgeClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

beforeEach(() => {
  calls.length = 0;
  refuse.clear();
});

const events = (n: number): AuditEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    service: 'checkout',
    id: `e${i}`,
    at: '2026-12-05T10:00:00.000Z',
    type: i % 2 ? 'RolloutPromoted' : 'RolloutStarted',
    message: `m${i}`,
  }));

describe('EventBridgeEventSink', () => {
  it('puts each audit event on the bus, 10 per call: source meshplane, detail-type its type, detail the event', async () => {
    await new EventBridgeEventSink(client, 'meshplane-prod-events').publish(events(23));
    expect(calls.map((c) => [c.target, c.entries.length])).toEqual([
      ['AWSEvents.PutEvents', 10],
      ['AWSEvents.PutEvents', 10],
      ['AWSEvents.PutEvents', 3],
    ]);
    const first = calls[0].entries[1];
    expect(first).toMatchObject({ EventBusName: 'meshplane-prod-events', Source: EVENT_SOURCE, DetailType: 'RolloutPromoted' });
    expect(JSON.parse(first.Detail)).toEqual(events(2)[1]);
    expect(new Date(first.Time * 1000).toISOString()).toBe('2026-12-05T10:00:00.000Z');
  });

  it('sends again only the entries EventBridge refused', async () => {
    refuse.set('e3', 1);
    await new EventBridgeEventSink(client, 'bus').publish(events(5));
    expect(calls.map((c) => c.entries.map((e) => (JSON.parse(e.Detail) as AuditEvent).id))).toEqual([['e0', 'e1', 'e2', 'e3', 'e4'], ['e3']]);
  });

  it('fails the batch (retryably) when an entry is still refused after three attempts, naming the error code', async () => {
    refuse.set('e1', 5);
    const failure = await new EventBridgeEventSink(client, 'bus').publish(events(2)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe('EventBridge refused 1 of the audit events after 3 attempts (ThrottlingException)');
    expect(calls).toHaveLength(3);
  });
});
