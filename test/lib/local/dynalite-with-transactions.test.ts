import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoEmulator, type DynamoEmulator } from '../../../lib/local/dynalite-with-transactions.js';
import { LOCAL_CREDENTIALS } from '../../support/local-stack.js';

const TABLE = 'tx-test';
let emulator: DynamoEmulator;
let client: DynamoDBClient;

beforeAll(async () => {
  emulator = await startDynamoEmulator();
  // No SDK retries: a transaction that is cancelled must surface as such, once.
  client = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

async function read(pk: string, sk = 'A'): Promise<Record<string, unknown> | undefined> {
  const res = await client.send(new GetItemCommand({ TableName: TABLE, Key: marshall({ pk, sk }), ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}

async function put(item: Record<string, unknown>): Promise<void> {
  await client.send(new PutItemCommand({ TableName: TABLE, Item: marshall(item) }));
}

const putIfAbsent = (item: Record<string, unknown>): TransactWriteItem => ({
  Put: { TableName: TABLE, Item: marshall(item), ConditionExpression: 'attribute_not_exists(pk)' },
});
const putIfVersion = (item: Record<string, unknown>, version: number): TransactWriteItem => ({
  Put: { TableName: TABLE, Item: marshall(item), ConditionExpression: 'version = :v', ExpressionAttributeValues: marshall({ ':v': version }) },
});
const bumpIfVersion = (pk: string, version: number): TransactWriteItem => ({
  Update: {
    TableName: TABLE,
    Key: marshall({ pk, sk: 'A' }),
    UpdateExpression: 'SET version = :next',
    ConditionExpression: 'version = :v',
    ExpressionAttributeValues: marshall({ ':v': version, ':next': version + 1 }),
  },
});

async function transact(items: TransactWriteItem[]): Promise<{ ok: true } | { ok: false; error: Error & { CancellationReasons?: { Code?: string }[] } }> {
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

describe('TransactWriteItems on dynalite', () => {
  it('writes every item when every condition holds', async () => {
    await put({ pk: 'ok-1', sk: 'A', version: 1, v: 'old' });
    const result = await transact([
      putIfVersion({ pk: 'ok-1', sk: 'A', version: 2, v: 'new' }, 1),
      putIfAbsent({ pk: 'ok-2', sk: 'A', v: 'created' }),
      { Delete: { TableName: TABLE, Key: marshall({ pk: 'ok-3', sk: 'A' }) } },
    ]);
    expect(result.ok).toBe(true);
    expect(await read('ok-1')).toEqual({ pk: 'ok-1', sk: 'A', version: 2, v: 'new' });
    expect(await read('ok-2')).toEqual({ pk: 'ok-2', sk: 'A', v: 'created' });
  });

  it('a failed condition on the 2nd item leaves the 1st unchanged and reports CancellationReasons', async () => {
    await put({ pk: 'aon-1', sk: 'A', version: 1, v: 'original' });
    await put({ pk: 'aon-2', sk: 'A', version: 7 });
    const result = await transact([
      putIfVersion({ pk: 'aon-1', sk: 'A', version: 2, v: 'changed' }, 1),
      putIfAbsent({ pk: 'aon-2', sk: 'A', v: 'clobber' }),
      putIfAbsent({ pk: 'aon-3', sk: 'A' }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(TransactionCanceledException);
    expect(result.error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ConditionalCheckFailed', 'None']);
    expect(await read('aon-1')).toEqual({ pk: 'aon-1', sk: 'A', version: 1, v: 'original' });
    expect(await read('aon-2')).toEqual({ pk: 'aon-2', sk: 'A', version: 7 });
    expect(await read('aon-3')).toBeUndefined();
  });

  it('an item the transaction created before the failure is removed again', async () => {
    await put({ pk: 'undo-2', sk: 'A', version: 3 });
    const result = await transact([putIfAbsent({ pk: 'undo-1', sk: 'A', v: 'fresh' }), bumpIfVersion('undo-2', 1)]);
    expect(result.ok).toBe(false);
    expect(await read('undo-1')).toBeUndefined();
    expect(await read('undo-2')).toEqual({ pk: 'undo-2', sk: 'A', version: 3 });
  });

  it('two concurrent transactions on one item: exactly one wins, the other changes nothing', async () => {
    await put({ pk: 'race', sk: 'A', version: 1, winner: 'none' });
    const contenders = ['left', 'right'].map((name) =>
      transact([putIfVersion({ pk: 'race', sk: 'A', version: 2, winner: name }, 1), putIfAbsent({ pk: `race-side-${name}`, sk: 'A' })]),
    );
    const results = await Promise.all(contenders);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = results[0].ok ? 'left' : 'right';
    const loser = winner === 'left' ? 'right' : 'left';
    expect(await read('race')).toEqual({ pk: 'race', sk: 'A', version: 2, winner });
    expect(await read(`race-side-${winner}`)).toBeDefined();
    expect(await read(`race-side-${loser}`)).toBeUndefined();
    const lost = results.find((r) => !r.ok);
    expect(lost && !lost.ok && lost.error.CancellationReasons?.[0]?.Code).toBe('ConditionalCheckFailed');
  });

  it('many concurrent increments conditioned on the version lose no update', async () => {
    await put({ pk: 'counter', sk: 'A', version: 0 });
    let applied = 0;
    for (let round = 0; round < 5; round++) {
      const current = (await read('counter'))!.version as number;
      const results = await Promise.all(Array.from({ length: 4 }, () => transact([bumpIfVersion('counter', current)])));
      const wins = results.filter((r) => r.ok).length;
      expect(wins).toBe(1);
      applied += wins;
    }
    expect((await read('counter'))!.version).toBe(applied);
  });

  it('refuses two operations on one item in one transaction, writing nothing', async () => {
    const result = await transact([putIfAbsent({ pk: 'dup', sk: 'A' }), { Delete: { TableName: TABLE, Key: marshall({ pk: 'dup', sk: 'A' }) } }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.name).toBe('ValidationException');
    expect(await read('dup')).toBeUndefined();
  });

  it('says plainly that ConditionCheck is not emulated', async () => {
    const result = await transact([{ ConditionCheck: { TableName: TABLE, Key: marshall({ pk: 'x', sk: 'A' }), ConditionExpression: 'attribute_exists(pk)' } }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/ConditionCheck is not supported/);
  });

  it('forwards ordinary reads and writes to dynalite', async () => {
    await put({ pk: 'plain', sk: 'A', n: 1 });
    await put({ pk: 'plain', sk: 'B', n: 2 });
    const res = await client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: marshall({ ':pk': 'plain' }) }),
    );
    expect(res.Items?.map((i) => unmarshall(i).n)).toEqual([1, 2]);
  });

  it('keeps answering after clients give up in the middle of a read and of a write', async () => {
    const url = new URL(emulator.endpoint);
    for (const target of ['GetItem', 'PutItem'])
      await new Promise<void>((resolve) => {
        // Promises 1,000 bytes of body, sends 10 and hangs up.
        const req = request({
          host: url.hostname,
          port: Number(url.port),
          method: 'POST',
          headers: { 'x-amz-target': `DynamoDB_20120810.${target}`, 'content-type': 'application/x-amz-json-1.0', 'content-length': '1000' },
        });
        req.on('error', () => resolve());
        req.write('{"TableNam');
        setTimeout(() => req.destroy(), 50);
      });
    await put({ pk: 'after-abort', sk: 'A', n: 1 });
    expect(await read('after-abort')).toEqual({ pk: 'after-abort', sk: 'A', n: 1 });
  });
});
