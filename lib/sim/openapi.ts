/**
 * Minimal OpenAPI v3 documents. kubectl reads them to learn whether the server validates fields itself
 * (a `fieldValidation` query parameter on the PATCH operation of each kind); when it does, kubectl skips client-side
 * schema validation, so no schemas are needed. Schemas are deliberately absent: kubectl then falls back
 * to its built-in patch metadata for client-side apply.
 */
import { RESOURCE_TYPES } from './resource-types.js';

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string' },
  uniqueItems: true,
}));

/** Path of a group-version's document, relative to /openapi/v3. */
function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function servedGroupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES) for (const version of t.versions) seen.set(gvPath(t.group, version), { group: t.group, version });
  return [...seen.values()];
}

function groupVersionDocument(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const t of RESOURCE_TYPES.filter((r) => r.group === group && r.versions.includes(version))) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    const gvk = { group, version, kind: t.kind };
    const operation = (action: string) => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      operationId: `${action}${t.kind}`,
      parameters: QUERY_PARAMETERS,
      responses: { '200': { description: 'OK' } },
    });
    paths[base] = { get: operation('get'), put: operation('put'), patch: operation('patch'), delete: operation('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

/** The document served at `path` (/openapi/v3 or /openapi/v3/<gv>), or undefined. /openapi/v2 is not served. */
export function openApiDocument(path: string): Record<string, unknown> | undefined {
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths: Record<string, unknown> = {};
    for (const { group, version } of servedGroupVersions())
      paths[gvPath(group, version)] = { serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=sim` };
    return { paths };
  }
  const gv = servedGroupVersions().find(({ group, version }) => path === `/openapi/v3/${gvPath(group, version)}`);
  return gv ? groupVersionDocument(gv.group, gv.version) : undefined;
}
