/**
 * What the Lambda bundles use in place of `@aws-sdk/credential-provider-node` (an esbuild alias, see
 * `infra/bundling.ts`): the SDK clients' default credentials, read from the environment.
 *
 * Lambda hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, the first link of the SDK's default chain. The rest of that chain (SSO, INI
 * profiles, credential processes, web identity, container and instance metadata, with the STS, SSO and
 * sign-in clients they bring) never runs there, yet it was about 90 KiB of every bundle that Node parsed
 * at each cold start. Without those variables, requests fail with the SDK's "Unable to find environment
 * variable credentials". Code run from source (tests, the local runtime) keeps the whole chain.
 */
// The provider itself, not the credential-providers index: its other providers' dynamic imports would each
// become a chunk of every split bundle.
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Init = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: Init = {}) => fromEnv(init);

// The package's other exports, with its semantics.
export const credentialsWillNeedRefresh = (credentials: { expiration?: Date }) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials: { expiration?: Date }) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
