import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { API_VERSION, createApi, OPENAPI_DOCUMENT_URL } from '../../../lib/api/create-api.js';
import { buildOpenApi } from '../../../lib/api/openapi.js';
import type { Router } from '../../../lib/api/router.js';
import type { ApiDeps } from '../../../lib/api/create-api.js';

type Json = Record<string, any>;

/** The document as a client fetches it. Building it touches no dependency, so none are given. */
async function fetchDocument(): Promise<{ doc: Json; router: Router }> {
  const router = createApi({} as ApiDeps);
  const res = await router.handle({ method: 'GET', path: '/v1/openapi.json', query: {}, headers: {} });
  expect(res.statusCode).toBe(200);
  return { doc: JSON.parse(res.body), router };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every `$ref` in the document, with the JSON pointer it names. */
function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

function resolvePointer(doc: Json, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
}

describe('OpenAPI document', () => {
  // The API serves lib/api/openapi.json, generated here from the routes' zod schemas: building it at
  // start cost the Lambda's first request. `UPDATE_OPENAPI=1 npx vitest run test/lib/api/openapi.test.ts` rewrites it.
  it('is the document the routes and their schemas describe (lib/api/openapi.json is up to date)', async () => {
    const generated = buildOpenApi(await createApi({} as ApiDeps).routes(), API_VERSION);
    const file = fileURLToPath(OPENAPI_DOCUMENT_URL);
    if (process.env.UPDATE_OPENAPI) {
      const options = (await prettier.resolveConfig(file)) ?? {};
      writeFileSync(file, await prettier.format(JSON.stringify(generated), { ...options, filepath: file }));
    }
    const stale = 'lib/api/openapi.json is stale: run UPDATE_OPENAPI=1 npx vitest run test/lib/api/openapi.test.ts';
    expect(JSON.parse(readFileSync(file, 'utf8')), stale).toEqual(generated);
  });

  it('is OpenAPI 3.1 with info', async () => {
    const { doc } = await fetchDocument();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it('documents every route the router serves, and nothing else', async () => {
    const { doc, router } = await fetchDocument();
    const served = (await router.routes()).map((r) => `${r.method.toLowerCase()} ${r.path}`).sort();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    for (const expected of [
      'post /v1/services',
      'get /v1/services',
      'get /v1/services/{name}',
      'put /v1/services/{name}',
      'delete /v1/services/{name}',
      'get /v1/operations/{id}',
      'post /v1/services/{name}/deployments',
      'get /v1/services/{name}/deployments/{id}',
    ])
      expect(documented).toContain(expected);
  });

  it('every operation is well formed: method, unique operationId, responses with descriptions, declared path parameters', async () => {
    const { doc } = await fetchDocument();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      expect(path.startsWith('/')).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item as Json)) {
        expect(HTTP_METHODS).toContain(method);
        expect(op.operationId, `${method} ${path}`).toMatch(/^[A-Za-z][^\s]*$/);
        expect(ids.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(op.responses as Json)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof response.description).toBe('string');
          if (response.content) expect(response.content['application/json'].schema).toEqual(expect.any(Object));
        }
        const params = (op.parameters ?? []) as Json[];
        const pathParams = params.filter((p) => p.in === 'path');
        expect(pathParams.map((p) => p.name).sort(), `${method} ${path}`).toEqual(templated);
        for (const p of pathParams) expect(p.required).toBe(true);
        for (const p of params) {
          expect(['path', 'query', 'header', 'cookie']).toContain(p.in);
          expect(p.schema).toEqual(expect.any(Object));
        }
        const names = params.map((p) => `${p.in}:${p.name}`);
        expect(new Set(names).size).toBe(names.length);
      }
    }
  });

  it('every $ref resolves inside the document', async () => {
    const { doc } = await fetchDocument();
    for (const ref of refs(doc)) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      expect(resolvePointer(doc, ref), ref).toBeDefined();
    }
  });

  it('the ServiceSpec request body requires name, image and port and carries the defaults', async () => {
    const { doc } = await fetchDocument();
    const schema = doc.paths['/v1/services'].post.requestBody.content['application/json'].schema;
    expect(doc.paths['/v1/services'].post.requestBody.required).toBe(true);
    expect([...schema.required].sort()).toEqual(['image', 'name', 'port']);
    expect(schema.properties.namespace.default).toBe('default');
    expect(schema.properties.replicas.default).toBe(2);
    expect(schema.properties.servicePort.default).toBe(80);
    expect(schema.properties.resources.default).toEqual({ cpu: 100, memory: 128 });
    expect(schema.properties.name.pattern).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
    expect(schema.properties.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
  });

  it('PUT /v1/services/{name} takes the same spec schema as registration', async () => {
    const { doc } = await fetchDocument();
    const post = doc.paths['/v1/services'].post.requestBody.content['application/json'].schema;
    const put = doc.paths['/v1/services/{name}'].put.requestBody.content['application/json'].schema;
    expect(put).toEqual(post);
  });

  it('list endpoints document limit and cursor query parameters', async () => {
    const { doc } = await fetchDocument();
    const params = doc.paths['/v1/services'].get.parameters as Json[];
    expect(params.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { default: 20, minimum: 1, maximum: 100 } });
    expect(params.find((p) => p.name === 'cursor')).toMatchObject({ in: 'query', required: false });
  });

  it('responses of the read endpoint describe the stored service with its spec', async () => {
    const { doc } = await fetchDocument();
    const schema = doc.paths['/v1/services/{name}'].get.responses['200'].content['application/json'].schema;
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'spec', 'version', 'revision', 'phase']));
  });
});
