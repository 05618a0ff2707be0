/**
 * EKS bearer tokens, built the way `aws eks get-token` and aws-iam-authenticator build them: a
 * SigV4 query-presigned STS `GetCallerIdentity` GET URL that also signs the `x-k8s-aws-id` header
 * (the cluster name), base64url-encoded without padding and prefixed `k8s-aws-v1.`. The API server's
 * authenticator replays the URL against STS to learn who we are.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** Prefix of every EKS token (token format version 1). */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** Header naming the cluster; signed, so a token for one cluster is useless for another. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** X-Amz-Expires of the presigned URL. STS ignores it (tokens live 15 minutes); 60 is what the tools send. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** How long STS accepts a presigned GetCallerIdentity URL after its X-Amz-Date. */
export const EKS_TOKEN_VALIDITY_MS = 15 * 60_000;

/** AWS credentials (structurally the SDK's AwsCredentialIdentity). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Resolves (and typically caches and refreshes) AWS credentials, like the SDK's providers. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** Inputs of one token. */
export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials | AwsCredentialsProvider;
  /** Signing time; defaults to now. */
  signingDate?: Date;
}

/** The regional STS endpoint host (regional endpoints work in every partition, unlike the global one). */
export function stsHost(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

/** The presigned GetCallerIdentity URL a token encodes. */
export async function presignGetCallerIdentity(request: EksTokenRequest): Promise<string> {
  const host = stsHost(request.region);
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region,
    service: 'sts',
    sha256: Hash.bind(null, 'sha256'),
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host, [CLUSTER_ID_HEADER]: request.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: request.signingDate ?? new Date() },
  );
  const parameters = presigned.query ?? {};
  const query = Object.keys(parameters)
    .sort()
    .flatMap((key) => {
      const value: unknown = parameters[key];
      const values: unknown[] = Array.isArray(value) ? value : [value];
      return values.filter((v): v is string => typeof v === 'string').map((v) => `${rfc3986(key)}=${rfc3986(v)}`);
    })
    .join('&');
  return `https://${host}/?${query}`;
}

/** A bearer token for the EKS cluster's API server. */
export async function createEksToken(request: EksTokenRequest): Promise<string> {
  const url = await presignGetCallerIdentity(request);
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
