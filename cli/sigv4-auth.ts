import { SigV4Signer, type RequestSigner } from '../lib/adapters/metrics/aws-sigv4-signer.js';

/** The SigV4 service name of API Gateway's invoke endpoint. */
export const EXECUTE_API_SERVICE = 'execute-api';

/**
 * Signs CLI requests for a deployed meshplane API in its default IAM mode, with the credentials of the
 * AWS SDK's default provider chain (environment, profile, SSO, instance role): resolved on first use.
 */
export function executeApiSigner(region: string): RequestSigner {
  return new SigV4Signer({ region, service: EXECUTE_API_SERVICE });
}
