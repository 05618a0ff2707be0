import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { AUDIT_EVENT_SORT_KEY_PREFIX } from '../adapters/dynamodb/audit-stream.js';

type Item = Record<string, AttributeValue>;

/** The parts of PutItem, TransactWriteItems and BatchWriteItem inputs that hold the items put. */
interface WriteInput {
  Item?: Item;
  TransactItems?: { Put?: { Item?: Item } }[];
  RequestItems?: Record<string, { PutRequest?: { Item?: Item } }[]>;
}

/**
 * The state table's change stream, emulated for the local runtime (the DynamoDB emulator has none):
 * after a write succeeds, the audit event items it put are handed on as stream records shaped like
 * Lambda's DynamoDB event (`INSERT`, keys and new image), already filtered as the stack's event source
 * mapping filters them (`AUDIT_EVENT_STREAM_FILTER`). A write that fails (a condition, a cancelled
 * transaction) hands on nothing, as the real stream would show nothing.
 */
export function emulateTableStream(client: DynamoDBClient, onRecords: (records: DynamoDBRecord[]) => void): void {
  let sequence = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const items = putItemsOf(context.commandName ?? '', args.input as WriteInput).filter((item) => item.sk?.S?.startsWith(AUDIT_EVENT_SORT_KEY_PREFIX));
      if (items.length > 0) {
        onRecords(
          items.map((item) => ({
            eventID: String(++sequence),
            eventName: 'INSERT',
            eventSource: 'aws:dynamodb',
            dynamodb: { Keys: { pk: item.pk, sk: item.sk } as never, NewImage: item as never, SequenceNumber: String(sequence), StreamViewType: 'NEW_IMAGE' },
          })),
        );
      }
      return result;
    },
    { step: 'initialize', name: 'meshplaneTableStreamEmulation' },
  );
}

/** The items a write command puts: PutItem's item, a transaction's puts, a batch's put requests. */
export function putItemsOf(commandName: string, input: WriteInput): Item[] {
  switch (commandName) {
    case 'PutItemCommand':
      return input.Item ? [input.Item] : [];
    case 'TransactWriteItemsCommand':
      return (input.TransactItems ?? []).flatMap((t) => (t.Put?.Item ? [t.Put.Item] : []));
    case 'BatchWriteItemCommand':
      return Object.values(input.RequestItems ?? {}).flatMap((requests) => requests.flatMap((r) => (r.PutRequest?.Item ? [r.PutRequest.Item] : [])));
    default:
      return [];
  }
}
