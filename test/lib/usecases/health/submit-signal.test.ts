import { describe, expect, it } from 'vitest';
import { envelopeIdFor } from '../../../../lib/usecases/health/submit-signal.js';

/** What SQS accepts as a MessageDeduplicationId: 1–128 characters, ASCII letters, digits and punctuation. */
const SQS_DEDUPLICATION_ID = /^[\x21-\x7E]{1,128}$/;

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const at = (minute: number) => `2030-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
/** A probe id as the probe builds it, for a service with a long name on an EKS node. */
const longProbeId = (minute: number) =>
  `probe:${'payments-reconciliation-worker-eu-central'.padEnd(63, 'x')}/nodeNotReady/stable/ip-10-0-112-23.eu-central-1.compute.internal:${at(minute)}`;

describe('envelopeIdFor', () => {
  it.each([
    ['a probe id', 'probe:checkout/crashLoop/stable:2030-01-01T00:00:00.000Z'],
    ['a generated API id', 'sig-01jabcdefghjkmnpqrstvwxyz'],
    ['every punctuation character SQS allows', `x${PUNCTUATION}y`],
    ['exactly 128 characters', 'a'.repeat(128)],
  ])('keeps %s as it is', (_what, id) => {
    expect(envelopeIdFor(id)).toBe(id);
  });

  it.each([
    ['a space', 'cloudwatch:High latency:2030-01-01T00:00:00.000Z:checkout', 'cloudwatch:High-latency:2030-01-01T00:00:00.000Z:checkout#'],
    ['a tab and a newline', 'a\tb\nc', 'a-b-c#'],
    ['a non-ASCII letter', 'alarm-für-checkout', 'alarm-f-r-checkout#'],
    ['an emoji (two UTF-16 code units)', 'fire-🔥', 'fire---#'],
  ])('replaces %s and marks the id with a digest', (_what, id, prefix) => {
    const safe = envelopeIdFor(id);
    expect(safe.startsWith(prefix)).toBe(true);
    expect(safe.slice(prefix.length)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('keeps a readable prefix of an id over 128 characters', () => {
    const safe = envelopeIdFor(longProbeId(0));
    expect(safe).toHaveLength(128);
    expect(safe.slice(0, 87)).toBe(longProbeId(0).slice(0, 87));
  });

  it.each([
    ['a 512-character id', 'x'.repeat(512)],
    ['only spaces', '   '],
    ['mixed unsafe characters', ' é\u0000\u007F~ü '],
    ['a long id with unsafe characters', `${'ä '.repeat(100)}end`],
  ])('always yields a valid SQS deduplication id: %s', (_what, id) => {
    expect(envelopeIdFor(id)).toMatch(SQS_DEDUPLICATION_ID);
  });

  it('gives the same envelope id to the same signal id (so SQS drops a resubmission)', () => {
    expect(envelopeIdFor(longProbeId(3))).toBe(envelopeIdFor(longProbeId(3)));
    expect(envelopeIdFor('a b')).toBe(envelopeIdFor('a b'));
  });

  it.each([
    ['ids that differ only past character 128 (successive probe runs)', longProbeId(0), longProbeId(1)],
    ['ids that differ only in an unsafe character', 'alarm a', 'alarm-a'],
    ['ids whose unsafe characters differ', 'alarm ü', 'alarm é'],
  ])('keeps distinct signals distinct: %s', (_what, a, b) => {
    expect(envelopeIdFor(a)).not.toBe(envelopeIdFor(b));
  });
});
