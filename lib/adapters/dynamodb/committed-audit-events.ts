import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditEvent } from '../../model/records.js';
import { keys } from './keys.js';
import { fromItem } from './table.js';

/** Receives the audit events of each write that DynamoDB accepted, in commit order per writer. */
export type AuditEventListener = (events: AuditEvent[]) => void;

type Item = Record<string, AttributeValue>;

const isEventItem = (item: Item | undefined): item is Item => item?.sk?.S?.startsWith(keys.eventPrefix) === true;

/** The audit event items a write command carries (a transaction's puts, a single put). */
function eventItemsOf(commandName: string, input: Record<string, unknown>): Item[] {
  if (commandName === 'TransactWriteItemsCommand') {
    const items = (input.TransactItems ?? []) as { Put?: { Item?: Item } }[];
    return items.map((t) => t.Put?.Item).filter(isEventItem);
  }
  if (commandName === 'PutItemCommand') return [input.Item as Item | undefined].filter(isEventItem);
  return [];
}

/**
 * Calls `listener` with the audit events of every write that succeeded on `client`: the local
 * stand-in for a DynamoDB stream filtered on the event items (`sk` starting `EVT#`). A write that failed
 * (a condition, a cancelled transaction) published nothing. A write whose answer was lost although
 * DynamoDB applied it is not seen here either, so a reader of the stream re-reads the trail after a gap.
 *
 * The middleware runs once per `send`, outside the SDK's retries. The listener must not throw.
 */
export function onCommittedAuditEvents(client: DynamoDBClient, listener: AuditEventListener): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const items = eventItemsOf(context.commandName ?? '', args.input as Record<string, unknown>);
      if (items.length > 0) {
        try {
          listener(items.map((item) => fromItem<AuditEvent>(item)));
        } catch (err) {
          console.error('audit event listener failed', err);
        }
      }
      return result;
    },
    { step: 'initialize', name: 'meshplaneCommittedAuditEvents', override: true },
  );
}
