/** The redirects of the sign-in (see sign-in.ts): leave for the provider, come back with a code, exchange it. */
import { authorizationUrl, pkceChallenge, randomToken, tokenRequestBody, type LoginSettings } from './sign-in';

const PENDING_KEY = 'meshplane.signIn';

/** The page's address without query or fragment: the redirect URI registered with the provider. */
const redirectUri = () => `${location.origin}${location.pathname}`;

/** The stack's settings for this page (`config.json`), or none (locally, or an API without sign-in). */
export async function loadLoginSettings(): Promise<LoginSettings | undefined> {
  try {
    const res = await fetch('config.json', { headers: { accept: 'application/json' } });
    if (!res.ok) return undefined;
    return ((await res.json()) as { login?: LoginSettings }).login;
  } catch {
    return undefined;
  }
}

/** Leaves for the provider's sign-in page; back on `redirectUri` with a code ({@link completeSignIn}). */
export async function startSignIn(login: LoginSettings): Promise<void> {
  const verifier = randomToken();
  const state = randomToken();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  location.assign(authorizationUrl(login, { redirectUri: redirectUri(), state, challenge: await pkceChallenge(verifier) }));
}

/**
 * Back from the provider (`?code=…&state=…`): checks the state against the one this tab sent, exchanges
 * the code for tokens, and returns the access token (the page's address is put back as it was). Returns
 * undefined when the page was not opened by a sign-in; throws when the provider refused or the state differs.
 */
export async function completeSignIn(login: LoginSettings): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; hash: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (error) throw new Error(`sign-in refused: ${params.get('error_description') ?? error}`);
  if (!pending || params.get('state') !== pending.state) throw new Error('sign-in answer does not belong to this tab (state differs): sign in again');
  const res = await fetch(login.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: tokenRequestBody(login, { code: code!, redirectUri: redirectUri(), verifier: pending.verifier }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`sign-in failed: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`);
  return body.access_token;
}
