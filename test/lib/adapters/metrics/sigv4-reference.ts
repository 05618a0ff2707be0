import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * An independent SigV4 check written from the AWS spec (canonical request → string to sign →
 * derived key → HMAC), to verify what the adapter's signer produced without trusting it.
 */
export function expectedSigV4Signature(args: {
  method: string;
  path: string;
  /** Already-encoded query string without "?" (sorted by the caller when it has several pairs). */
  query: string;
  headers: IncomingHttpHeaders | Record<string, string>;
  body: string;
  secretAccessKey: string;
}): { signature: string; credential: string; signedHeaders: string } {
  const auth = String(args.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) throw new Error(`not a SigV4 Authorization header: ${auth}`);
  const [, credential, signedHeaders] = match;
  const [, date, region, service] = credential.split('/');
  const amzDate = String(args.headers['x-amz-date']);
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(args.headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [args.method, args.path, args.query, canonicalHeaders, signedHeaders, sha256Hex(args.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${args.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return { signature: createHmac('sha256', key).update(stringToSign).digest('hex'), credential, signedHeaders };
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
