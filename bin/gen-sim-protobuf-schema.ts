/**
 * Generates lib/sim/protobuf-schema.ts: the protobuf field numbers of the Kubernetes types kubectl sends
 * as `application/vnd.kubernetes.protobuf`, read from the Go struct tags of k8s.io/api and
 * k8s.io/apimachinery (each field's tag `protobuf:"bytes,3,opt,name=template"` gives wire type, number and
 * repetition; the Go type says pointer, message or scalar). Only messages reachable from ROOTS are kept.
 *
 *   npx tsx bin/gen-sim-protobuf-schema.ts <k8s.io/api checkout> <k8s.io/apimachinery checkout> > lib/sim/protobuf-schema.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) throw new Error('usage: gen-sim-protobuf-schema <k8s.io/api dir> <k8s.io/apimachinery dir>');

/** Go package import path → the file that defines its types, and our short package name. */
const PACKAGES: { importPath: string; short: string; file: string }[] = [
  { importPath: 'k8s.io/api/core/v1', short: 'core', file: join(apiDir, 'core/v1/types.go') },
  { importPath: 'k8s.io/api/apps/v1', short: 'apps', file: join(apiDir, 'apps/v1/types.go') },
  { importPath: 'k8s.io/api/policy/v1', short: 'policy', file: join(apiDir, 'policy/v1/types.go') },
  { importPath: 'k8s.io/api/events/v1', short: 'events', file: join(apiDir, 'events/v1/types.go') },
  { importPath: 'k8s.io/apimachinery/pkg/apis/meta/v1', short: 'meta', file: join(machineryDir, 'pkg/apis/meta/v1/types.go') },
];

/** Types with a hand-written wire decoder (lib/sim/protobuf.ts). */
const SPECIAL: Record<string, string> = {
  'meta.Time': 'time',
  'meta.MicroTime': 'microtime',
  'meta.Duration': 'duration',
  'meta.FieldsV1': 'rawjson',
  'resource.Quantity': 'quantity',
  'intstr.IntOrString': 'intorstring',
  'runtime.RawExtension': 'rawjson',
};

const ROOTS = [
  'apps.Deployment',
  'apps.ReplicaSet',
  'core.Service',
  'core.Namespace',
  'core.ConfigMap',
  'core.ServiceAccount',
  'core.Pod',
  'core.Event',
  'events.Event',
  'policy.Eviction',
  'policy.PodDisruptionBudget',
  'meta.DeleteOptions',
];

type Field = [number, string, string, string];
const structs = new Map<string, { go: string; tag: string; embedded: boolean; goName: string }[]>();
const typedefs = new Map<string, string>();
const aliasesByPackage = new Map<string, Map<string, string>>();

for (const pkg of PACKAGES) {
  const text = readFileSync(pkg.file, 'utf8');
  const aliases = new Map<string, string>();
  for (const m of text.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"\s*$/gm)) {
    const path = m[2];
    const name = m[1] ?? path.split('/').at(-1) ?? path;
    const known = PACKAGES.find((p) => p.importPath === path)?.short ?? path.split('/').at(-1) ?? path;
    aliases.set(name, known);
  }
  aliasesByPackage.set(pkg.short, aliases);
  for (const m of text.matchAll(/^type (\w+) (\S[^{\n]*)$/gm)) if (!m[2].startsWith('struct')) typedefs.set(`${pkg.short}.${m[1]}`, m[2].trim());
  for (const m of text.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
    const fields = [];
    for (const line of m[2].split('\n')) {
      const tag = /protobuf:"([^"]+)"/.exec(line)?.[1];
      if (!tag || line.trim().startsWith('//')) continue;
      const parts = line.trim().split(/\s+/);
      const embedded = parts[1].startsWith('`');
      fields.push({ goName: parts[0], go: embedded ? parts[0] : parts[1], tag: line.slice(line.indexOf('`')), embedded });
    }
    structs.set(`${pkg.short}.${m[1]}`, fields);
  }
}

/** Resolves a Go type name as written in package `pkg` to `short.Name`. */
function qualify(pkg: string, name: string): string {
  if (name.includes('.')) {
    const [alias, rest] = name.split('.', 2);
    return `${aliasesByPackage.get(pkg)?.get(alias) ?? alias}.${rest}`;
  }
  return `${pkg}.${name}`;
}

const SCALARS: Record<string, string> = {
  string: 'string',
  bool: 'bool',
  int32: 'int',
  int64: 'int',
  int: 'int',
  uint32: 'int',
  uint64: 'int',
  float64: 'double',
  '[]byte': 'bytes',
};

/** The schema type of a Go type: a scalar, `m:<message>`, `s:<special>` or `map:<value type>`. */
function schemaType(pkg: string, go: string): string {
  let t = go.replace(/^\*/, '');
  if (t.startsWith('[]') && t !== '[]byte') t = t.slice(2);
  if (SCALARS[t]) return SCALARS[t];
  const mapMatch = /^map\[[^\]]+\](.+)$/.exec(t);
  if (mapMatch) return `map:${schemaType(pkg, mapMatch[1])}`;
  const q = qualify(pkg, t);
  if (SPECIAL[q]) return `s:${SPECIAL[q]}`;
  if (structs.has(q)) return `m:${q}`;
  const def = typedefs.get(q);
  if (def) return schemaType(q.split('.')[0], def);
  if (q === 'types.UID' || q.startsWith('types.')) return 'string';
  throw new Error(`cannot resolve Go type ${go} in ${pkg}`);
}

const out = new Map<string, Field[]>();
const queue = [...ROOTS];
while (queue.length > 0) {
  const name = queue.shift() as string;
  if (out.has(name)) continue;
  const fields = structs.get(name);
  if (!fields) throw new Error(`no struct ${name}`);
  const pkg = name.split('.')[0];
  const schema: Field[] = [];
  for (const f of fields) {
    const [, number, label, ...rest] = /protobuf:"([^"]+)"/.exec(f.tag)?.[1].split(',') ?? [];
    const protoName = rest.find((r) => r.startsWith('name='))?.slice(5) ?? f.goName;
    const json = /json:"([^",]*)/.exec(f.tag)?.[1] ?? protoName;
    const type = schemaType(pkg, f.go);
    let flags = '';
    if (label === 'rep' || (f.go.startsWith('[]') && f.go !== '[]byte')) flags += 'r';
    if (f.go.startsWith('*')) flags += 'p';
    // An embedded struct without a JSON name (`json:",inline"`) has its fields in the parent's JSON.
    if (json === '') flags += 'i';
    schema.push([Number(number), json === '' ? protoName : json, type, flags]);
    const ref = /^(?:map:)?m:(.+)$/.exec(type)?.[1];
    if (ref && !out.has(ref)) queue.push(ref);
  }
  out.set(name, schema);
}

const lines = [...out]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, fields]) => `  '${name}': [${fields.map((f) => `[${f[0]}, '${f[1]}', '${f[2]}'${f[3] ? `, '${f[3]}'` : ''}]`).join(', ')}],`);
process.stdout.write(`/**
 * GENERATED by bin/gen-sim-protobuf-schema.ts from the Go struct tags of k8s.io/api and k8s.io/apimachinery:
 * do not edit. For each message: [field number, JSON name, type, flags] where type is a scalar (string, int,
 * bool, bytes, double), \`m:<message>\`, \`s:<special wire type>\` or \`map:<value type>\`; flags: r repeated,
 * p pointer (an explicit zero is kept), i inline (the message's fields belong to the parent in JSON).
 */
/** One protobuf field: number, JSON name, type, flags. */
export type ProtoField = readonly [number, string, string, string?];

/** Message name (\`<package>.<Kind>\`) → fields. */
export const PROTO_MESSAGES: Readonly<Record<string, readonly ProtoField[]>> = {
${lines.join('\n')}
};
`);
