import * as z from 'zod';
import type { Route } from './router.js';

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/**
 * OpenAPI 3.1 for the routes, generated from the same zod schemas that validate requests, so the
 * document cannot disagree with the code.
 */
export function buildOpenApi(routes: Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = route.query
      ? Object.entries((schemaOf(route.query, 'input').properties ?? {}) as Record<string, Record<string, unknown>>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          description: schema.description,
          schema,
        }))
      : [];
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, r]) => [
        status,
        { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: schemaOf(r.schema, 'output') } } } : {}) },
      ]),
    );
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${route.path
        .replace(/\/v1/, '')
        .replace(/\{(\w+)\}/g, 'By-$1')
        .replace(/[/.-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(pathParams.length || queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'meshplane API',
      version,
      description: 'Serverless control plane for microservices in an Istio mesh on EKS. Writes answer 202 with an operation to follow.',
    },
    paths,
  };
}
