/**
 * SigV4 signing of HTTP requests: for Amazon Managed Service for Prometheus (service name `aps`), and
 * for the CLI calling a deployed meshplane API with IAM authorization (`execute-api`).
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials (what the default provider chain resolves). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request about to be sent, as the signer sees it. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Adds authentication headers to a request. */
export interface RequestSigner {
  /** Returns the headers to send: the request's own plus the signature's. */
  sign(request: OutgoingRequest): Promise<Record<string, string>>;
}

export interface SigV4SignerOptions {
  region: string;
  /** Defaults to `aps` (Amazon Managed Service for Prometheus). */
  service?: string;
  /** Fixed credentials or a provider; defaults to the AWS SDK's default provider chain. */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The signing time; defaults to now (tests fix it). */
  now?: () => Date;
}

/** The AMP service name for SigV4. */
export const AMP_SIGNING_SERVICE = 'aps';

/** Signs requests with AWS Signature Version 4. */
export class SigV4Signer implements RequestSigner {
  private readonly signer: SignatureV4;
  private readonly now: () => Date;

  constructor(options: SigV4SignerOptions) {
    this.signer = new SignatureV4({
      service: options.service ?? AMP_SIGNING_SERVICE,
      region: options.region,
      credentials: options.credentials ?? fromNodeProviderChain(),
      sha256: Hash.bind(null, 'sha256'),
    });
    this.now = options.now ?? (() => new Date());
  }

  async sign(request: OutgoingRequest): Promise<Record<string, string>> {
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of request.url.searchParams) {
      const prior = query[key];
      query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const unsigned = new HttpRequest({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query,
      // `host` is signed; fetch sends the same value from the URL.
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    const signed = await this.signer.sign(unsigned, { signingDate: this.now() });
    return { ...signed.headers };
  }
}

/**
 * The region of an AMP workspace URL such as
 * `https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-…`; undefined for other URLs.
 */
export function ampRegionFromUrl(url: string | URL): string | undefined {
  const host = new URL(url).hostname;
  return /^aps-workspaces(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}
