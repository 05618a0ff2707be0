/**
 * The IAM actions a function's needs (`HandlerNeeds` in the handler catalog) come to. Pure: the
 * `function-role` construct turns them into statements, and the tests read them to assert each role.
 */
import type { TableAccess } from './handler-catalog.js';

/** Reads of the state table: items, batches of items, the partitions and the listing index. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'] as const;
/** Writes of single items, alone or in a transaction (TransactWriteItems is authorized per item action). */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;
/** Deletes: a service change drops caller edges, in its transaction or in batches beyond its size. */
export const TABLE_DELETE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

export interface TablePermissions {
  /** Allowed on the table and its indexes. */
  actions: string[];
  /** `dynamodb:DeleteItem` allowed only on items whose partition key starts with one of these. */
  deleteOnlyPrefixes: string[];
}

/** No access level includes Scan: the store never scans (listings query the GSI). */
export function tablePermissions(access: TableAccess, deletesOnly: readonly string[] = []): TablePermissions {
  if (access === 'none') return { actions: [], deleteOnlyPrefixes: [] };
  const readWrite = [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
  if (access === 'readWrite') return { actions: [...readWrite, ...TABLE_DELETE_ACTIONS], deleteOnlyPrefixes: [] };
  return { actions: readWrite, deleteOnlyPrefixes: [...deletesOnly] };
}
