import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../errors.js';

/** Page cursors are opaque to clients: base64url JSON of DynamoDB's LastEvaluatedKey. */
export function encodeCursor(key: Record<string, AttributeValue> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, AttributeValue> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && !Array.isArray(key) && Object.values(key).every((v) => v && typeof v === 'object')) return key;
  } catch {
    // fall through
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}
