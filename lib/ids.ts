import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * Sortable unique ids: 10 characters of millisecond time then 12 random ones, so ids sort by creation
 * time (deployments and events list in order) and never collide in practice.
 */
export function newId(prefix: string, now: Date = new Date()): string {
  let time = now.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(12);
  let tail = '';
  for (const b of bytes) tail += ALPHABET[b % 32];
  return `${prefix}-${head}${tail}`;
}
