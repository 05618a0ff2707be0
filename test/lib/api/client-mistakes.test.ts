import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../lib/api/create-api.js';
import type { Router } from '../../../lib/api/router.js';
import { useTestStack } from '../../support/local-stack.js';

/** Requests that are the client's mistake answer 4xx with a message, never 500 (against dynalite). */
const stack = useTestStack();
let api: Router;

beforeAll(async () => {
  api = createApi(stack().createApp());
});

const get = (path: string, query: Record<string, string> = {}) => api.handle({ method: 'GET', path, query, headers: {} });

describe('client mistakes', () => {
  it('a path with broken percent-encoding is a 404, not a 500', async () => {
    const res = await get('/v1/services/%E0%A4%A');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).error.message).toMatch(/percent-encoding/);
  });

  it('a cursor that decodes but is not a position of the listing is a 400 on cursor', async () => {
    const cursor = Buffer.from(JSON.stringify({ a: { S: 'b' } })).toString('base64url');
    const res = await get('/v1/services', { cursor });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.problems).toEqual([{ path: 'cursor', message: 'is not a cursor of this listing' }]);
  });

  it.each(['/v1/operations/', '/v1/optimizer/runs/'])('an over-long or odd id under %s is a 404', async (prefix) => {
    for (const id of ['x'.repeat(3000), 'a b', '%00']) {
      const res = await get(`${prefix}${encodeURIComponent(id)}`);
      expect(res.statusCode, id.slice(0, 10)).toBe(404);
    }
  });
});
