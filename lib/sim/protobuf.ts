/**
 * Decoding `application/vnd.kubernetes.protobuf` request bodies: kubectl's typed commands (`create
 * deployment`, `create service`, `create namespace`, evictions, …) send built-in objects that way and the
 * API server does not fall back to JSON. The body is the magic `k8s\0` followed by a `runtime.Unknown`
 * (typeMeta = 1, raw = 2), whose `raw` is the object's message. Messages are read with the field numbers
 * of protobuf-schema.ts and turned into the JSON the object would have had: non-pointer fields holding
 * their zero value are dropped (Go writes them on the wire but `omitempty` drops them from JSON).
 */
import { KubeApiError } from './api-errors.js';
import { PROTO_MESSAGES, type ProtoField } from './protobuf-schema.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, unknown>;

/** The media type kubectl uses for built-in types. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Schema package of an API group. */
const PACKAGE_OF_GROUP: Record<string, string> = { '': 'core', apps: 'apps', policy: 'policy', 'events.k8s.io': 'events' };

function unsupported(message: string): KubeApiError {
  return new KubeApiError(415, 'UnsupportedMediaType', `${message}; send the object as application/json instead`);
}

/** One field read off the wire. */
interface WireField {
  number: number;
  wire: number;
  /** Varint or fixed value (wire types 0, 1, 5). */
  value?: bigint;
  /** Length-delimited payload (wire type 2). */
  bytes?: Buffer;
}

/** Splits a message into its fields. */
function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw unsupported('the protobuf body is truncated');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw unsupported('the protobuf body has a malformed varint');
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const number = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) fields.push({ number, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > buf.length) throw unsupported('the protobuf body is truncated');
      fields.push({ number, wire, value: wire === 1 ? buf.readBigUInt64LE(pos) : BigInt(buf.readUInt32LE(pos)) });
      pos += size;
    } else if (wire === 2) {
      const length = Number(varint());
      if (pos + length > buf.length) throw unsupported('the protobuf body is truncated');
      fields.push({ number, wire, bytes: buf.subarray(pos, pos + length) });
      pos += length;
    } else throw unsupported(`the protobuf body has an unsupported wire type ${wire}`);
  }
  return fields;
}

function toInt(value: bigint | undefined): number {
  return Number(BigInt.asIntN(64, value ?? 0n));
}

function str(bytes: Buffer | undefined): string {
  return (bytes ?? Buffer.alloc(0)).toString('utf8');
}

/** Go's `time.Duration.String()` for whole and fractional seconds (`1h0m0s`, `1.5s`, `300ms`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  if (rest < 1e9) {
    if (rest < 1e3) return `${sign}${rest}ns`;
    if (rest < 1e6) return `${sign}${rest / 1e3}µs`;
    return `${sign}${rest / 1e6}ms`;
  }
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const s = rest / 1e9;
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/** metav1.Time / MicroTime: {seconds = 1, nanos = 2}; the zero time is absent (JSON null). */
function decodeTime(bytes: Buffer, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  for (const f of readFields(bytes)) {
    if (f.number === 1) seconds = toInt(f.value);
    if (f.number === 2) nanos = toInt(f.value);
  }
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString();
  return micro ? `${iso.slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso.slice(0, 19)}Z`;
}

function decodeSpecial(kind: string, bytes: Buffer): unknown {
  const fields = readFields(bytes);
  const field = (n: number) => fields.filter((f) => f.number === n).at(-1);
  switch (kind) {
    case 'time':
      return decodeTime(bytes, false);
    case 'microtime':
      return decodeTime(bytes, true);
    case 'duration':
      return goDuration(toInt(field(1)?.value));
    case 'quantity':
      return str(field(1)?.bytes);
    case 'intorstring':
      return toInt(field(1)?.value) === 1 ? str(field(3)?.bytes) : toInt(field(2)?.value);
    case 'rawjson': {
      const raw = field(1)?.bytes;
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw unsupported('an embedded raw object in the protobuf body is not JSON');
      }
    }
    default:
      throw new Error(`no decoder for special protobuf type ${kind}`);
  }
}

/** Decodes a value of schema type `type` from one wire field. */
function decodeValue(type: string, field: WireField): unknown {
  if (type === 'string') return str(field.bytes);
  if (type === 'bytes') return (field.bytes ?? Buffer.alloc(0)).toString('base64');
  if (type === 'int') return toInt(field.value);
  if (type === 'bool') return (field.value ?? 0n) !== 0n;
  if (type === 'double') {
    const eight = Buffer.alloc(8);
    eight.writeBigUInt64LE(BigInt.asUintN(64, field.value ?? 0n));
    return field.wire === 1 ? eight.readDoubleLE(0) : 0;
  }
  const bytes = field.bytes ?? Buffer.alloc(0);
  if (type.startsWith('s:')) return decodeSpecial(type.slice(2), bytes);
  if (type.startsWith('m:')) return decodeMessage(type.slice(2), bytes);
  throw new Error(`unknown protobuf schema type ${type}`);
}

/** Whether a decoded value is what Go would leave out of JSON for a non-pointer `omitempty` field. */
function isZero(value: unknown): boolean {
  if (value === undefined || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** Repeated scalars may arrive packed (one length-delimited field holding consecutive varints). */
function unpack(type: string, field: WireField): WireField[] {
  if (field.wire !== 2 || (type !== 'int' && type !== 'bool')) return [field];
  const out: WireField[] = [];
  const buf = field.bytes ?? Buffer.alloc(0);
  let pos = 0;
  while (pos < buf.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
    }
    out.push({ number: field.number, wire: 0, value: result });
  }
  return out;
}

function decodeMapEntry(valueType: string, bytes: Buffer): [string, unknown] {
  let key = '';
  let value: unknown = valueType === 'string' ? '' : undefined;
  for (const f of readFields(bytes)) {
    if (f.number === 1) key = str(f.bytes);
    if (f.number === 2) value = decodeValue(valueType, f);
  }
  return [key, value];
}

/** Decodes message `name` into its JSON form. */
export function decodeMessage(name: string, bytes: Buffer): Obj {
  const schema = PROTO_MESSAGES[name];
  if (!schema) throw unsupported(`the simulated cluster cannot decode protobuf message ${name}`);
  const byNumber = new Map<number, ProtoField>(schema.map((f) => [f[0], f]));
  const out: Obj = {};
  for (const field of readFields(bytes)) {
    const spec = byNumber.get(field.number);
    // A field newer than the schema: ignore it, as an older API server would.
    if (!spec) continue;
    const [, jsonName, type, flags = ''] = spec;
    if (type.startsWith('map:')) {
      const [key, value] = decodeMapEntry(type.slice(4), field.bytes ?? Buffer.alloc(0));
      const map = (out[jsonName] ??= {}) as Obj;
      map[key] = value;
    } else if (flags.includes('r')) {
      const list = (out[jsonName] ??= []) as unknown[];
      for (const item of unpack(type, field)) list.push(decodeValue(type, item));
    } else if (flags.includes('i')) {
      Object.assign(out, decodeValue(type, field) as Obj);
    } else {
      const value = decodeValue(type, field);
      if (flags.includes('p') ? value !== undefined : !isZero(value)) out[jsonName] = value;
      else delete out[jsonName];
    }
  }
  return out;
}

/** Decodes a `k8s\0`-framed protobuf object into the JSON object it stands for. */
export function decodeKubernetesProtobuf(body: Buffer): KubeObj {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw unsupported('the protobuf body does not start with the Kubernetes magic number');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of readFields(body.subarray(MAGIC.length))) {
    if (f.number === 1)
      for (const t of readFields(f.bytes ?? Buffer.alloc(0))) {
        if (t.number === 1) apiVersion = str(t.bytes);
        if (t.number === 2) kind = str(t.bytes);
      }
    if (f.number === 2) raw = f.bytes;
    if (f.number === 3 && (f.bytes?.length ?? 0) > 0) throw unsupported('compressed protobuf bodies are not supported');
  }
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const pkg = PACKAGE_OF_GROUP[group];
  const message = pkg ? `${pkg}.${kind}` : undefined;
  if (!message || !PROTO_MESSAGES[message])
    throw unsupported(`the simulated cluster cannot decode ${kind || 'an object'} (${apiVersion || 'no apiVersion'}) from protobuf`);
  const object = decodeMessage(message, raw ?? Buffer.alloc(0));
  return { apiVersion, kind, ...object, metadata: (object.metadata as KubeObj['metadata']) ?? { name: '' } } as KubeObj;
}
