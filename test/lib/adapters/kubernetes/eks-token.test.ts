import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEksToken, stsHost } from '../../../../lib/adapters/kubernetes/eks-token.js';

// Offline: fixed credentials (the AWS documentation example keys) and a fixed clock; nothing is sent.
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2025-03-04T05:06:07Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

/** SigV4 computed independently of the implementation, straight from the published algorithm. */
function expectedSignature(url: URL, clusterName: string, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = params
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`,
    'host;x-k8s-aws-id',
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const [date, region, service] = scope.split('/');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('createEksToken', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL', async () => {
    const token = await createEksToken({ clusterName: 'prod-eu', region: 'eu-west-1', credentials, signingDate });
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token.slice('k8s-aws-v1.'.length)).toMatch(/^[A-Za-z0-9_-]+$/); // no padding, no + or /

    const url = decode(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20250304/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20250304T050607Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(q.has('X-Amz-Security-Token')).toBe(false);
  });

  it('carries a valid SigV4 signature over the cluster-name header', async () => {
    const token = await createEksToken({ clusterName: 'prod-eu', region: 'eu-west-1', credentials, signingDate });
    const url = decode(token);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'prod-eu', credentials.secretAccessKey));
    // The same URL claimed for another cluster does not verify: the header is part of the signature.
    expect(url.searchParams.get('X-Amz-Signature')).not.toBe(expectedSignature(url, 'other', credentials.secretAccessKey));
  });

  it('includes the session token of temporary credentials and resolves credential providers', async () => {
    const temporary = { ...credentials, sessionToken: 'FwoGZXIvYXdzE+session/token==' };
    const token = await createEksToken({ clusterName: 'c', region: 'us-east-1', credentials: async () => temporary, signingDate });
    const url = decode(token);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(temporary.sessionToken);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'c', credentials.secretAccessKey));
  });

  it('is deterministic for fixed inputs and changes with the clock', async () => {
    const a = await createEksToken({ clusterName: 'c', region: 'us-east-1', credentials, signingDate });
    const b = await createEksToken({ clusterName: 'c', region: 'us-east-1', credentials, signingDate });
    const later = await createEksToken({ clusterName: 'c', region: 'us-east-1', credentials, signingDate: new Date(signingDate.getTime() + 1000) });
    expect(a).toBe(b);
    expect(later).not.toBe(a);
  });
});

describe('stsHost', () => {
  it.each([
    ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['us-gov-west-1', 'sts.us-gov-west-1.amazonaws.com'],
    ['cn-north-1', 'sts.cn-north-1.amazonaws.com.cn'],
  ])('%s → %s', (region, host) => {
    expect(stsHost(region)).toBe(host);
  });
});
