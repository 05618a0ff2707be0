import * as z from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';
import { dns1123Label } from '../model/names.js';
import type { PageRequest } from '../model/records.js';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Items per page (1–100)'),
  cursor: z.string().min(1).max(2048).optional().describe('The nextCursor of the previous page'),
});

export function serviceName(params: Record<string, string>, key = 'name'): string {
  const parsed = dns1123Label.safeParse(params[key]);
  if (!parsed.success) throw new ValidationError([{ path: key, message: parsed.error.issues[0].message }], 'the path is not valid');
  return parsed.data;
}

export function pageOf(query: z.output<typeof PageQuery>): PageRequest {
  return { limit: query.limit, cursor: query.cursor };
}

/**
 * An id in the path (operation, deployment, optimizer run). Ids meshplane makes are short and plain; an
 * id of another shape cannot exist, so it is a 404 here rather than a storage error later.
 */
export function objectId(params: Record<string, string>, key: string, what: string): string {
  const id = params[key];
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id)) throw new NotFoundError(`${what} "${id.slice(0, 64)}" does not exist`);
  return id;
}
