/** The dashboard's sign-in (browser code; the pure parts): PKCE challenge, the authorization URL, the token request. */
import { describe, expect, it } from 'vitest';
import { authorizationUrl, pkceChallenge, randomToken, tokenRequestBody } from '../../dashboard/src/sign-in.js';

const login = {
  clientId: 'dash',
  authorizationEndpoint: 'https://id.example.com/oauth2/authorize',
  tokenEndpoint: 'https://id.example.com/oauth2/token',
  scope: 'openid meshplane/dashboard',
};

describe('sign-in', () => {
  it('derives the S256 challenge of RFC 7636, appendix B', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes random verifiers of 43 base64url characters', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it('asks for a code with the challenge, the state and the page as redirect URI', () => {
    const url = new URL(authorizationUrl(login, { redirectUri: 'https://d1.cloudfront.net/', state: 's1', challenge: 'c1' }));
    expect(url.origin + url.pathname).toBe(login.authorizationEndpoint);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'dash',
      redirect_uri: 'https://d1.cloudfront.net/',
      scope: 'openid meshplane/dashboard',
      state: 's1',
      code_challenge: 'c1',
      code_challenge_method: 'S256',
    });
  });

  it('exchanges the code with the verifier, as a public client (no secret)', () => {
    const body = tokenRequestBody(login, { code: 'k', redirectUri: 'https://d1.cloudfront.net/', verifier: 'v' });
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      code: 'k',
      redirect_uri: 'https://d1.cloudfront.net/',
      client_id: 'dash',
      code_verifier: 'v',
    });
  });
});
