import { describe, expect, it } from 'vitest';
import { ampRegionFromUrl, SigV4Signer } from '../../../../lib/adapters/metrics/aws-sigv4-signer.js';
import { expectedSigV4Signature } from './sigv4-reference.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNING_DATE = new Date('2024-01-02T03:04:05Z');
const WORKSPACE = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd/api/v1/query';

function signer(overrides: Partial<ConstructorParameters<typeof SigV4Signer>[0]> = {}) {
  return new SigV4Signer({ region: 'eu-west-1', credentials: CREDENTIALS, now: () => SIGNING_DATE, ...overrides });
}

describe('SigV4Signer for Amazon Managed Prometheus', () => {
  const body = new URLSearchParams({ query: 'sum(increase(istio_requests_total[30s]))' }).toString();
  const request = { method: 'POST' as const, url: new URL(WORKSPACE), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };

  it('signs for service "aps" with a signature that an independent SigV4 implementation reproduces', async () => {
    const headers = await signer().sign(request);
    expect(headers['x-amz-date']).toBe('20240102T030405Z');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240102\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    const signedHeaders = headers.authorization.split('SignedHeaders=')[1].split(',')[0].split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
    const reference = expectedSigV4Signature({
      method: 'POST',
      path: '/workspaces/ws-0123abcd/api/v1/query',
      query: '',
      headers,
      body,
      secretAccessKey: CREDENTIALS.secretAccessKey,
    });
    expect(headers.authorization).toContain(`Signature=${reference.signature}`);
  });

  it('covers the body: another query gets another signature', async () => {
    const a = await signer().sign(request);
    const b = await signer().sign({ ...request, body: `${body}x` });
    expect(a.authorization).not.toBe(b.authorization);
  });

  it('adds the session token of temporary credentials', async () => {
    const headers = await signer({ credentials: async () => ({ ...CREDENTIALS, sessionToken: 'token-123' }) }).sign(request);
    expect(headers['x-amz-security-token']).toBe('token-123');
  });
});

describe('ampRegionFromUrl', () => {
  it.each([
    [WORKSPACE, 'eu-west-1'],
    ['https://aps-workspaces.us-gov-west-1.amazonaws.com/workspaces/ws-1', 'us-gov-west-1'],
    ['https://aps-workspaces-fips.us-east-1.amazonaws.com/workspaces/ws-1', 'us-east-1'],
    ['https://aps-workspaces.cn-north-1.amazonaws.com.cn/workspaces/ws-1', 'cn-north-1'],
    ['http://prometheus.monitoring:9090', undefined],
    ['http://127.0.0.1:9090', undefined],
  ])('%s → %s', (url, region) => {
    expect(ampRegionFromUrl(url)).toBe(region);
  });
});
