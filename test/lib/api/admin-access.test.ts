/** Who may change clusters: API Gateway's admin routes on AWS, the operator's token or this machine locally. */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, gatewayAdminAccess, localAdminAccess, UnauthorizedError } from '../../../lib/api/admin-access.js';
import type { HttpRequest } from '../../../lib/api/http.js';

const req = (over: Partial<HttpRequest> & { headers?: Record<string, string> } = {}): HttpRequest => ({
  method: 'POST',
  path: '/v1/clusters',
  query: {},
  sourceIp: '127.0.0.1',
  ...over,
  headers: { host: '127.0.0.1:8080', ...over.headers },
});
const outcome = (f: () => void) => {
  try {
    f();
    return 'allowed';
  } catch (e) {
    return e instanceof UnauthorizedError ? 401 : e instanceof ForbiddenError ? 403 : String(e);
  }
};

describe('gatewayAdminAccess', () => {
  it.each([
    ['POST /v1/clusters', 'allowed'],
    ['DELETE /v1/clusters/{id}', 'allowed'],
    ['ANY /v1/{proxy+}', 403],
    [undefined, 403],
  ])('route %s → %s', (routeKey, expected) => {
    expect(outcome(() => gatewayAdminAccess.authorize(req({ routeKey })))).toBe(expected);
  });
});

describe('localAdminAccess without a token: this machine, never a web page', () => {
  const access = localAdminAccess();
  it.each<[string, Partial<HttpRequest> & { headers?: Record<string, string> }, string | number]>([
    ['curl on this machine', {}, 'allowed'],
    ['localhost by name', { headers: { host: 'localhost:8080' } }, 'allowed'],
    ['IPv6 loopback', { sourceIp: '::1', headers: { host: '[::1]:8080' } }, 'allowed'],
    ['IPv4-mapped loopback', { sourceIp: '::ffff:127.0.0.1' }, 'allowed'],
    ['a page on the same local origin', { headers: { origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' } }, 'allowed'],
    ['another machine', { sourceIp: '10.0.0.7' }, 403],
    ['a foreign Host (DNS rebinding)', { headers: { host: 'evil.example:8080' } }, 403],
    ['a foreign Origin', { headers: { origin: 'https://evil.example' } }, 403],
    ['Origin null', { headers: { origin: 'null' } }, 403],
    ['a cross-site fetch', { headers: { 'sec-fetch-site': 'cross-site' } }, 403],
    ['a same-site page on another port', { headers: { 'sec-fetch-site': 'same-site' } }, 403],
  ])('%s → %s', (_name, over, expected) => {
    expect(outcome(() => access.authorize(req(over)))).toBe(expected);
  });
});

describe('localAdminAccess with a token', () => {
  const access = localAdminAccess({ token: 'a-long-admin-token-value' });
  it.each<[string, Record<string, string>, string | number]>([
    ['the token', { authorization: 'Bearer a-long-admin-token-value' }, 'allowed'],
    ['the token, scheme in lower case', { authorization: 'bearer a-long-admin-token-value' }, 'allowed'],
    ['no header', {}, 401],
    ['another scheme', { authorization: 'Basic a-long-admin-token-value' }, 401],
    ['a wrong token', { authorization: 'Bearer a-long-admin-token-valuE' }, 403],
    ['a prefix of the token', { authorization: 'Bearer a-long-admin' }, 403],
  ])('%s → %s', (_name, headers, expected) => {
    expect(outcome(() => access.authorize(req({ headers })))).toBe(expected);
  });
});
