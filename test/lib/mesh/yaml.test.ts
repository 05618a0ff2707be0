import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { toYaml } from '../../../lib/mesh/yaml.js';
import type { KubeObject } from '../../../lib/model/kube-object.js';

const configMap = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });

describe('toYaml', () => {
  it('writes one document per object, in order, separated by ---', () => {
    const objects = [configMap({ a: '1' }), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's', namespace: 'n' } }];
    const text = toYaml(objects);
    expect(text.split(/^---$/m)).toHaveLength(2);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(objects);
  });

  it('writes nothing for no objects', () => {
    expect(toYaml([])).toBe('');
  });

  // Strings that YAML 1.1 (kubectl, go-yaml) reads as booleans, numbers, nulls or dates.
  const tricky = [
    'yes',
    'no',
    'on',
    'off',
    'y',
    'N',
    'true',
    '1',
    '0.5',
    '1_000',
    '0o17',
    '017',
    '0x1F',
    '1e3',
    '~',
    'null',
    '',
    '2024-01-01T00:00:00Z',
    '1:20',
    '.inf',
  ];

  it.each(['1.1', '1.2'] as const)('reads every string back unchanged under YAML %s', (version) => {
    const data = Object.fromEntries(tricky.map((value, i) => [`k${i}`, value]));
    expect(parse(toYaml([configMap(data)]), { version })).toEqual(configMap(data));
  });

  it('keeps JSON text in a readable single-quoted string', () => {
    const text = toYaml([configMap({ deps: '[{"service":"a","rps":1}]' })]);
    expect(text).toContain(`deps: '[{"service":"a","rps":1}]'`);
  });

  it('never folds long strings', () => {
    const long = 'x '.repeat(200).trim();
    expect(toYaml([configMap({ long })])).toContain(`long: ${long}\n`);
  });

  it('keeps the key order of the objects', () => {
    const text = toYaml([{ kind: 'K', apiVersion: 'v1', metadata: { name: 'n' }, zeta: 1, alpha: 2 }]);
    expect(text.indexOf('kind:')).toBeLessThan(text.indexOf('apiVersion:'));
    expect(text.indexOf('zeta:')).toBeLessThan(text.indexOf('alpha:'));
  });
});
