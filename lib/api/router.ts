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

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, regex: new RegExp(`^${pattern}/?$`), names };
}

/** Matches a request to a route: unknown path → 404, known path with another method → 405. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(readonly routes: Route[]) {
    this.compiled = routes.map(compile);
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    try {
      const allowed: string[] = [];
      for (const { route, regex, names } of this.compiled) {
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
