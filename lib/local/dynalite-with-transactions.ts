import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export interface DynamoEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

const WRITE_TARGETS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * Locks on item keys: a section runs once every key it names is free, so writes to different items run
 * side by side and writes to one item run in arrival order. A section enqueues on all its keys at once
 * (synchronously), so two sections always meet their shared keys in the same order: no deadlock.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], section: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const waits = [...new Set(keys)].map((key) => {
      const previous = this.tails.get(key) ?? Promise.resolve();
      const mine = previous.then(() => done);
      this.tails.set(key, mine);
      void mine.then(() => {
        if (this.tails.get(key) === mine) this.tails.delete(key);
      });
      return previous;
    });
    try {
      await Promise.all(waits);
      return await section();
    } finally {
      release();
    }
  }

  /** Keys with a section running or waiting (for tests). */
  get size(): number {
    return this.tails.size;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': `local-${Date.now()}` });
  res.end(text);
}

/** Runs `start` (which answers `res`) and resolves once the answer is sent or the connection is gone. */
function answered(res: ServerResponse, start: () => void): Promise<void> {
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
    start();
  });
}

/** dynalite's request handler: what its HTTP server runs for each request. */
type DynaliteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * dynalite checks that a request carries a SigV4 Authorization header (not its signature): what an
 * in-process request carries.
 */
const LOCAL_AUTH = {
  authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
  'x-amz-date': '20240101T000000Z',
};

/** A request for dynalite's handler with `body` as its content (the original was read to find its keys). */
function replayed(headers: IncomingMessage['headers'], body: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers, method: 'POST', url: '/' }) as unknown as IncomingMessage;
}

/**
 * Runs one DynamoDB operation through dynalite's handler in this thread: no socket, no HTTP parsing, no
 * SDK. Answers its status and parsed body.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- DynamoDB JSON of any shape
function invoke(handler: DynaliteHandler, operation: string, input: unknown): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve) => {
    const headers = { ...LOCAL_AUTH, 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0' };
    const res = {
      statusCode: 200,
      setHeader: () => undefined,
      end: (text: string) => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} }),
    };
    handler(replayed(headers, JSON.stringify(input)), res as unknown as ServerResponse);
  });
}

/** The exception name of a failed operation's answer (`com.amazonaws…#ConditionalCheckFailedException` → the part after #). */
const errorName = (body: Record<string, unknown>) =>
  String(body.__type ?? 'InternalFailure')
    .split('#')
    .pop()!;

/**
 * dynalite (DynamoDB on LevelDB) with the one API it lacks that meshplane relies on: TransactWriteItems.
 *
 * A front server hands every request to dynalite's handler in this thread (no second HTTP hop). Writes
 * lock the items they touch (see KeyLocks): writes to different items run side by side, writes to one
 * item one after the other; reads take no lock and never wait behind writes. A transaction holds the
 * locks of all its items: it reads each item's pre-image, applies the writes side by side (distinct
 * items) with their own conditions, and when a condition failed restores the pre-images of what was
 * written and answers TransactionCanceledException with per-item CancellationReasons, as DynamoDB does.
 * Writers therefore see all or nothing; a concurrent reader may glimpse a half-applied transaction (a
 * local-only gap). The operations of a transaction go straight to dynalite's handler, not through an SDK.
 */
export async function startDynamoEmulator(options: { path?: string } = {}): Promise<DynamoEmulator> {
  const inner: Server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const handler = inner.listeners('request')[0] as DynaliteHandler;
  // Listening only so that closing it closes dynalite's store the way dynalite does it; nothing is sent to it.
  await listen(inner, 0);
  const writes = new KeyLocks();
  // Requests still being answered: stop() lets them finish before dynalite's store closes under them.
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const keyNames = new Map<string, string[]>();
  const call = async (operation: string, input: unknown) => {
    const answer = await invoke(handler, operation, input);
    if (answer.status !== 200)
      throw Object.assign(new Error(String(answer.body.message ?? answer.body.Message ?? errorName(answer.body))), { name: errorName(answer.body) });
    return answer.body;
  };

  async function keyOf(table: string, item: Record<string, AttributeValue>): Promise<Record<string, AttributeValue>> {
    let names = keyNames.get(table);
    if (!names) {
      const described = await call('DescribeTable', { TableName: table });
      names = ((described.Table?.KeySchema ?? []) as { AttributeName: string }[]).map((k) => k.AttributeName);
      keyNames.set(table, names);
    }
    return Object.fromEntries(names.map((n) => [n, item[n]]));
  }

  async function transact(items: TransactWriteItem[]): Promise<{ status: number; body: unknown }> {
    if (items.some((i) => i.ConditionCheck))
      return {
        status: 400,
        body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'ConditionCheck is not supported by the local emulator' },
      };
    const targets = await Promise.all(
      items.map(async (i) => {
        const table = (i.Put?.TableName ?? i.Update?.TableName ?? i.Delete?.TableName)!;
        const key = i.Put ? await keyOf(table, i.Put.Item!) : (i.Update?.Key ?? i.Delete?.Key)!;
        return { table, key };
      }),
    );
    const ids = targets.map((t) => `${t.table}|${JSON.stringify(t.key)}`);
    if (new Set(ids).size !== ids.length)
      return {
        status: 400,
        body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'Transaction request cannot include multiple operations on one item' },
      };

    const preImages = await Promise.all(
      targets.map((t) =>
        call('GetItem', { TableName: t.table, Key: t.key, ConsistentRead: true }).then((r) => r.Item as Record<string, AttributeValue> | undefined),
      ),
    );
    // The items are distinct and locked: their writes run side by side, each with its own condition.
    const applied = await Promise.allSettled(
      items.map((item) => {
        if (item.Put) return call('PutItem', item.Put);
        if (item.Update) return call('UpdateItem', item.Update);
        return call('DeleteItem', item.Delete);
      }),
    );
    const failures = applied.flatMap((r, i) => (r.status === 'rejected' ? [{ i, err: r.reason as Error }] : []));
    if (failures.length) {
      await Promise.all(
        applied.map((r, j) => {
          if (r.status === 'rejected') return undefined;
          const { table, key } = targets[j];
          const before = preImages[j];
          return before ? call('PutItem', { TableName: table, Item: before }) : call('DeleteItem', { TableName: table, Key: key });
        }),
      );
      const other = failures.find((f) => f.err.name !== 'ConditionalCheckFailedException');
      if (other) return { status: 400, body: { __type: `com.amazon.coral.validate#${other.err.name}`, message: other.err.message } };
      const failed = new Set(failures.map((f) => f.i));
      const reasons = items.map((_, j) => (failed.has(j) ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } : { Code: 'None' }));
      return {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
          CancellationReasons: reasons,
        },
      };
    }
    return { status: 200, body: {} };
  }

  /** The items a write touches, as `table|key` strings (what it locks). */
  async function itemIds(target: string, body: string): Promise<string[]> {
    const input = JSON.parse(body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a DynamoDB JSON request of any shape
    const id = async (table: string, item?: Record<string, AttributeValue>, key?: Record<string, AttributeValue>) =>
      `${table}|${JSON.stringify(Object.entries(key ?? (await keyOf(table, item!))).sort(([a], [b]) => a.localeCompare(b)))}`;
    switch (target) {
      case 'PutItem':
        return [await id(input.TableName, input.Item)];
      case 'UpdateItem':
      case 'DeleteItem':
        return [await id(input.TableName, undefined, input.Key)];
      case 'BatchWriteItem':
        return Promise.all(
          Object.entries(
            input.RequestItems as Record<
              string,
              { PutRequest?: { Item: Record<string, AttributeValue> }; DeleteRequest?: { Key: Record<string, AttributeValue> } }[]
            >,
          ).flatMap(([table, requests]) => requests.map((r) => id(table, r.PutRequest?.Item, r.DeleteRequest?.Key))),
        );
      case 'TransactWriteItems':
        return Promise.all(
          (input.TransactItems as TransactWriteItem[]).map((i) => {
            const table = (i.Put?.TableName ?? i.Update?.TableName ?? i.Delete?.TableName ?? i.ConditionCheck?.TableName)!;
            return id(table, i.Put?.Item, i.Update?.Key ?? i.Delete?.Key ?? i.ConditionCheck?.Key);
          }),
        );
      default:
        return [];
    }
  }

  const front = createServer((req, res) => {
    const target =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    // dynalite reads the body it is given: always a replayed copy, since it throws on an error of the
    // request it reads (a client that gave up mid-request would take the emulators down).
    if (!WRITE_TARGETS.has(target)) {
      track(
        readBody(req).then(
          (body) => answered(res, () => handler(replayed(req.headers, body), res)),
          () => undefined,
        ),
      );
      return;
    }
    track(
      (async () => {
        const body = await readBody(req);
        const locked = await itemIds(target, body).catch(() => [] as string[]);
        await writes.run(locked, async () => {
          if (target !== 'TransactWriteItems') return answered(res, () => handler(replayed(req.headers, body), res));
          try {
            const result = await transact(JSON.parse(body).TransactItems ?? []);
            sendJson(res, result.status, result.body);
          } catch (err) {
            sendJson(res, 500, { __type: 'InternalFailure', message: (err as Error).message });
          }
        });
      })().catch(() => undefined), // a request that failed while its body was read: nobody is left to answer
    );
  });
  const port = await listen(front, 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      front.closeIdleConnections();
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5_000))]);
      front.closeAllConnections();
      await closed;
      await close(inner);
    },
  };
}
