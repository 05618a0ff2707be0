import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../lib/sim/api-errors.js';
import { matchesFields, matchesLabelSelector, matchesRequirements, parseFieldSelector, parseLabelSelector } from '../../../lib/sim/selectors.js';
import type { KubeObj } from '../../../lib/sim/sim-types.js';

const labels = { app: 'web', track: 'canary', tier: 'front' };

describe('label selector strings', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['track!=canary', false],
    ['missing!=x', true],
    ['track in (stable, canary)', true],
    ['track in (stable)', false],
    ['track notin (stable)', true],
    ['track notin (canary,preview)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=web,track in (canary),!missing', true],
    ['app=web, track in (stable,preview)', false],
    ['meshplane.io/service', false],
  ])('%s → %s', (selector, expected) => {
    expect(matchesRequirements(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects malformed keys with a 400 as the API server does', () => {
    const err = (() => {
      try {
        parseLabelSelector('app=web,=x');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(400);
  });
});

describe('structured label selectors', () => {
  it.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'web', track: 'stable' } }, false],
    [{ matchExpressions: [{ key: 'track', operator: 'In', values: ['canary'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{}, true],
    [undefined, false],
  ])('%j → %s', (selector, expected) => {
    expect(matchesLabelSelector(selector, labels)).toBe(expected);
  });
});

describe('field selectors', () => {
  const pod: KubeObj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p1', namespace: 'ns1' },
    spec: { nodeName: 'node-a' },
    status: { phase: 'Running' },
  };
  const unbound: KubeObj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'ns1' }, spec: {} };
  it.each([
    ['metadata.name=p1', pod, true],
    ['metadata.name=p2', pod, false],
    ['spec.nodeName=node-a', pod, true],
    ['spec.nodeName=', unbound, true],
    ['spec.nodeName!=', pod, true],
    ['spec.nodeName!=', unbound, false],
    ['metadata.namespace=ns1,status.phase=Running', pod, true],
  ])('%s', (selector, object, expected) => {
    expect(matchesFields(parseFieldSelector(selector), object)).toBe(expected);
  });

  it('rejects fields it cannot select on', () => {
    expect(() => parseFieldSelector('spec.hostname=x')).toThrow(/field label not supported/);
  });
});
