/**
 * Label and field selectors as the Kubernetes API accepts them in `labelSelector` / `fieldSelector`
 * query parameters, plus the structured `LabelSelector` (matchLabels/matchExpressions) used in specs.
 */
import { badRequest } from './api-errors.js';
import type { KubeObj } from './sim-types.js';

/** One parsed requirement of a label selector. */
export type LabelRequirement =
  { key: string; op: 'eq' | 'neq'; value: string } | { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'notexists' };

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

/**
 * Parses a label selector string (`a=b,c!=d,e in (f,g),h notin (i),j,!k`). Throws a 400 KubeApiError
 * on syntax errors, as the API server does.
 */
export function parseLabelSelector(selector: string | undefined | null): LabelRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return splitTopLevel(selector).map((part): LabelRequirement => {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (setMatch) {
      const values = setMatch[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { key: checkKey(setMatch[1], selector), op: setMatch[2] as 'in' | 'notin', values };
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (cmp) return { key: checkKey(cmp[1], selector), op: cmp[2] === '!=' ? 'neq' : 'eq', value: cmp[3] };
    if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), selector), op: 'notexists' };
    return { key: checkKey(part, selector), op: 'exists' };
  });
}

/** True when `labels` satisfy every requirement (an empty selector matches everything). */
export function matchesRequirements(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** A structured `LabelSelector` as found in Deployment, topology spread and affinity specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Requirements of a structured selector. A missing selector matches nothing; an empty one, everything. */
export function requirementsOf(selector: LabelSelectorSpec): LabelRequirement[] {
  const reqs: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, op: 'eq' as const, value }));
  for (const e of selector.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: 'notexists' });
        break;
      default:
        throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return reqs;
}

/** Whether `labels` match a structured selector; `undefined` selects nothing. */
export function matchesLabelSelector(selector: LabelSelectorSpec | undefined, labels: Record<string, string> | undefined): boolean {
  return selector !== undefined && matchesRequirements(requirementsOf(selector), labels);
}

/** One parsed field selector term. */
export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

const FIELD_GETTERS: Record<string, (o: KubeObj) => unknown> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
  'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
  'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase ?? '',
  'spec.unschedulable': (o) => String((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable ?? false),
  // Events (what `kubectl describe` selects on).
  ...Object.fromEntries(
    ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [
      `involvedObject.${f}`,
      (o: KubeObj) => (o.involvedObject as Record<string, unknown> | undefined)?.[f] ?? '',
    ]),
  ),
  reason: (o) => o.reason ?? '',
  type: (o) => o.type ?? '',
  source: (o) => (o.source as { component?: string } | undefined)?.component ?? '',
  reportingComponent: (o) => o.reportingComponent ?? '',
};

/** Parses a field selector (`metadata.name=x,spec.nodeName!=`); unsupported fields are a 400. */
export function parseFieldSelector(selector: string | undefined | null): FieldRequirement[] {
  if (!selector || selector.trim() === '') return [];
  return splitTopLevel(selector).map((part) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid field selector "${selector}"`);
    if (!FIELD_GETTERS[m[1]]) throw badRequest(`field label not supported: ${m[1]}`);
    return { field: m[1], op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim() } as FieldRequirement;
  });
}

/** True when the object satisfies every field requirement. */
export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObj): boolean {
  return requirements.every((r) => {
    const actual = String(FIELD_GETTERS[r.field](object) ?? '');
    return r.op === 'eq' ? actual === r.value : actual !== r.value;
  });
}
