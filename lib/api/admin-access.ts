/**
 * Admin routes: registering, replacing and removing clusters (which includes choosing the default cluster,
 * where every new service goes). Who may call them is decided outside the API's other routes:
 *
 * - on AWS, API Gateway authorises each admin route on its own (IAM: `execute-api:Invoke` on the route's
 *   ARN; JWT: the `meshplane/admin` scope), and the handler serves an admin action only when the request
 *   came through one of those routes (`routeKey`), so no path variant reaches it through `/v1/{proxy+}`;
 * - locally, the operator's choice at start: a bearer token (`--admin-token` / MESHPLANE_ADMIN_TOKEN), or
 *   when none is set, requests from this machine that no web page could have sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MeshplaneError } from '../errors.js';
import type { HttpRequest } from './http.js';

/** The admin routes, as API Gateway route keys (`METHOD path`); the CDK stack creates exactly these. */
export const ADMIN_ROUTES = [
  { method: 'POST', path: '/v1/clusters' },
  { method: 'DELETE', path: '/v1/clusters/{id}' },
] as const;

/** The OAuth scope a JWT needs for the admin routes (JWT mode of the HTTP API). */
export const ADMIN_SCOPE = 'meshplane/admin';

/** 401: no credentials for an admin route. */
export class UnauthorizedError extends MeshplaneError {
  override readonly code = 'UNAUTHORIZED';
  override readonly status = 401;
}

/** 403: the caller may not do this (wrong token, not from this machine, a web page, not an admin route). */
export class ForbiddenError extends MeshplaneError {
  override readonly code = 'FORBIDDEN';
  override readonly status = 403;
}

/** Decides whether a request may perform an admin action; throws {@link UnauthorizedError} or {@link ForbiddenError}. */
export interface AdminAccess {
  authorize(request: HttpRequest): void;
}

const ADMIN_ROUTE_KEYS = new Set(ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`));

/** AWS: API Gateway has authorised the admin route; refuse admin actions that arrived through any other route. */
export const gatewayAdminAccess: AdminAccess = {
  authorize(request) {
    if (!request.routeKey || !ADMIN_ROUTE_KEYS.has(request.routeKey))
      throw new ForbiddenError(`cluster changes are admin actions: send them to ${[...ADMIN_ROUTE_KEYS].join(' or ')} exactly (the admin routes)`);
  },
};

/** Tests that exercise the API without an access decision. */
export const ALLOW_ALL_ADMIN_ACCESS: AdminAccess = { authorize: () => undefined };

const LOOPBACK_HOSTS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]|::1)$/i;

/** The host part of a Host header or an origin (`http://localhost:8080` → `localhost`), lower-case. */
function hostOf(value: string): string | undefined {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function isLoopbackAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return LOOPBACK_HOSTS.test(plain);
}

/**
 * Why a request cannot have come from a program on this machine acting for its user, or undefined.
 * A web page can make the operator's browser send requests to 127.0.0.1 (a form post needs no CORS
 * preflight, and DNS rebinding makes a page's own origin resolve to 127.0.0.1); browsers always say so
 * with `Origin` / `Sec-Fetch-Site`, and with rebinding the Host header names the attacker's domain.
 */
export function notFromThisMachine(request: HttpRequest): string | undefined {
  if (request.sourceIp !== undefined && !isLoopbackAddress(request.sourceIp)) return 'the request did not come from this machine';
  const host = request.headers.host;
  if (host !== undefined && !LOOPBACK_HOSTS.test(hostOf(host) ?? '')) return 'the Host header does not name this machine (127.0.0.1 or localhost)';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && !LOOPBACK_HOSTS.test(hostOf(origin) ?? '')) return 'the request came from a web page of another site';
  if (origin === 'null') return 'the request came from a web page';
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'the request came from a web page of another site';
  return undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Local admin access. With a token, admin routes need `Authorization: Bearer <token>` (compared in
 * constant time). Without one, they are served only to requests from this machine that no web page
 * sent (see {@link notFromThisMachine}): the local API trusts the programs of the machine it runs on.
 */
export function localAdminAccess(options: { token?: string } = {}): AdminAccess {
  const expected = options.token ? digest(options.token) : undefined;
  return {
    authorize(request) {
      if (expected) {
        const header = request.headers.authorization;
        const match = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match) throw new UnauthorizedError('cluster changes are admin actions: send the admin token as "Authorization: Bearer <token>"');
        if (!timingSafeEqual(digest(match[1]), expected)) throw new ForbiddenError('the admin token is not valid');
        return;
      }
      const why = notFromThisMachine(request);
      if (why) throw new ForbiddenError(`cluster changes are admin actions: ${why} (start meshplane with --admin-token to allow others)`);
    },
  };
}
