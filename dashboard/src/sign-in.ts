/**
 * Signing in to a deployed dashboard whose API takes JWTs: OAuth 2.0 authorization code with PKCE
 * (RFC 7636) against the OpenID Connect provider the stack names in `config.json` (a public client:
 * no secret in the page). The access token goes to the API as `Authorization: Bearer` and lives in
 * sessionStorage (this tab only). Locally there is no `config.json` and nothing to sign in with.
 * This file holds the pure parts; sign-in-flow.ts the redirects.
 */

export interface LoginSettings {
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  scope: string;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A random string for the verifier and the state: 32 random bytes, base64url. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Where the browser goes to sign in. */
export function authorizationUrl(login: LoginSettings, request: { redirectUri: string; state: string; challenge: string }): string {
  const url = new URL(login.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: login.clientId,
    redirect_uri: request.redirectUri,
    scope: login.scope,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The form the page posts to the token endpoint to exchange the code. */
export function tokenRequestBody(login: LoginSettings, request: { code: string; redirectUri: string; verifier: string }): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: login.clientId,
    code_verifier: request.verifier,
  });
}
