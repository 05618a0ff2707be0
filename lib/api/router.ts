import { NotFoundError } from '../errors.js';
import { errorResponse, MethodNotAllowedError, type HttpRequest, type HttpResponse } from './http.js';
import type { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  request: HttpRequest;
  params: Record<string, string>;
}

/** One endpoint: how it is matched, documented (OpenAPI) and served. */
export interface Route {
  method: Method;
  /** OpenAPI-style template, e.g. `/v1/services/{name}`. */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Status → description, plus the schema of the success body when there is one. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handle(ctx: RouteContext): Promise<HttpResponse>;
}

/**
 * Routes served by one module, loaded on the first request to one of its `paths`: a cold start builds
 * only the route table, and a request loads (and builds the schemas of) only the module that serves it.
 * `paths` must be exactly the paths the loaded routes serve; loading checks it.
 */
export interface RouteGroup {
  /** Every path template its routes serve, e.g. `['/v1/clusters', '/v1/clusters/{id}']`. */
  paths: readonly string[];
  load(): Promise<Route[]>;
}

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compilePath(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

function compile(route: Route): CompiledRoute {
  return { route, ...compilePath(route.path) };
}

/** A route, or a group of routes loaded on first use, with the paths it answers. */
class RouteSlot {
  private readonly regexes: RegExp[];
  private loaded?: Promise<CompiledRoute[]>;

  constructor(private readonly source: Route | RouteGroup) {
    const paths = 'paths' in source ? source.paths : [source.path];
    this.regexes = paths.map((p) => compilePath(p).regex);
    if (!('paths' in source)) this.loaded = Promise.resolve([compile(source)]);
  }

  answers(path: string): boolean {
    return this.regexes.some((r) => r.test(path));
  }

  routes(): Promise<CompiledRoute[]> {
    const group = this.source as RouteGroup;
    this.loaded ??= group.load().then(
      (routes) => {
        const declared = [...new Set(group.paths)].sort();
        const served = [...new Set(routes.map((r) => r.path))].sort();
        if (declared.join('\n') !== served.join('\n'))
          throw new Error(`a route group declares the paths ${declared.join(', ')} but serves ${served.join(', ')}: make its \`paths\` match`);
        return routes.map(compile);
      },
      (err: unknown) => {
        this.loaded = undefined; // a module that failed to load is tried again by the next request
        throw err;
      },
    );
    return this.loaded;
  }
}

/**
 * Matches a request to a route: unknown path → 404, known path with another method → 405. Routes come
 * as they are or in {@link RouteGroup}s loaded when a request first names one of their paths; either
 * way they are matched in the order given.
 */
export class Router {
  private readonly slots: RouteSlot[];

  constructor(sources: readonly (Route | RouteGroup)[]) {
    this.slots = sources.map((s) => new RouteSlot(s));
  }

  /** Every route, in order (loads every group): for the OpenAPI document and its tests. */
  async routes(): Promise<Route[]> {
    return (await Promise.all(this.slots.map((s) => s.routes()))).flat().map((c) => c.route);
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    try {
      const allowed: string[] = [];
      const candidates = (await Promise.all(this.slots.filter((s) => s.answers(request.path)).map((s) => s.routes()))).flat();
      for (const { route, regex, names } of candidates) {
        const match = regex.exec(request.path);
        if (!match) continue;
        if (route.method !== request.method.toUpperCase()) {
          allowed.push(route.method);
          continue;
        }
        let params: Record<string, string>;
        try {
          params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
        } catch {
          throw new NotFoundError(`no such object: ${request.path} is not a valid path (bad percent-encoding)`);
        }
        return await route.handle({ request, params });
      }
      if (allowed.length) throw new MethodNotAllowedError(`${request.method} is not allowed on ${request.path}; use ${allowed.join(' or ')}`, allowed);
      throw new NotFoundError(`no endpoint ${request.path}; see GET /v1/openapi.json`);
    } catch (err) {
      const response = errorResponse(err, request.requestId);
      if (response.statusCode === 503 && response.headers['retry-after'])
        console.warn(
          JSON.stringify({ level: 'WARN', message: 'request turned away: overloaded', requestId: request.requestId, path: request.path, error: String(err) }),
        );
      else if (response.statusCode >= 500)
        console.error(
          JSON.stringify({
            level: 'ERROR',
            message: 'request failed',
            requestId: request.requestId,
            path: request.path,
            error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
          }),
        );
      return response;
    }
  }
}
