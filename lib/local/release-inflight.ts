import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Hands back every message the SQS emulator's saved state holds in flight, before the emulator loads
 * it. Only when the caller holds the data directory's lock (data-dir-lock.ts): then the process that
 * received them is gone, and no handler will ever delete them. On AWS a crashed consumer's messages
 * reappear after the visibility timeout (6 minutes for service events); locally a restart picks them
 * up at once. Their receive count stays as it was: the crash counted as a receive, as on AWS.
 *
 * fauxqs (2.x) saves its queues in `fauxqs.db` (SQLite); a message in flight has a receipt handle and
 * a visibility deadline. A file without that table (another emulator version) is left alone.
 * Returns how many messages were handed back.
 */
export function releaseInflightMessages(sqsDataDir: string): number {
  const path = join(sqsDataDir, 'fauxqs.db');
  if (!existsSync(path)) return 0;
  const db = new DatabaseSync(path);
  try {
    const columns = db.prepare(`SELECT name FROM pragma_table_info('sqs_messages')`).all() as { name: string }[];
    if (!['receipt_handle', 'visibility_deadline'].every((c) => columns.some((col) => col.name === c))) return 0;
    const result = db.prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE receipt_handle IS NOT NULL').run();
    return Number(result.changes);
  } finally {
    db.close();
  }
}
