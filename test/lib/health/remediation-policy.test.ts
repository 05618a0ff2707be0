import { describe, expect, it } from 'vitest';
import { RemediationPolicy } from '../../../lib/health/remediation-policy.js';

describe('RemediationPolicy', () => {
  it('fills every default from an empty object', () => {
    const policy = RemediationPolicy.parse({});
    expect(policy.dryRun).toBe(false);
    expect(policy.hysteresis.minConsecutiveAlarms).toBe(2);
  });

  it.each([
    [{ dryrun: true }, ['dryrun']],
    [{ hysteresis: { minConsecutive: 3 } }, ['hysteresis']],
  ])('rejects a misspelt override %j instead of silently ignoring it', (input, path) => {
    const result = RemediationPolicy.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0];
    expect(issue.code).toBe('unrecognized_keys');
    expect([...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? issue.keys : [])]).toEqual(expect.arrayContaining(path));
  });
});
