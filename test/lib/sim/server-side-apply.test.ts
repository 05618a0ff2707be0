import { describe, expect, it } from 'vitest';
import { fieldPaths, fromFieldsV1, serverSideApply, toFieldsV1 } from '../../../lib/sim/server-side-apply.js';
import type { KubeObj } from '../../../lib/sim/sim-types.js';

const now = new Date('2025-01-01T00:00:00Z');

function config(spec: Record<string, unknown>, labels: Record<string, string> = { app: 'web' }): KubeObj {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web', namespace: 'default', labels }, spec };
}

describe('ownership sets', () => {
  it('records list items by their name key, in FieldsV1 form', () => {
    const tree = toFieldsV1(fieldPaths(config({ subsets: [{ name: 'stable', labels: { track: 'stable' } }] }) as never));
    expect(tree).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:subsets': { 'k:{"name":"stable"}': { '.': {}, 'f:name': {}, 'f:labels': { 'f:track': {} } } } },
    });
    expect(fromFieldsV1(tree)).toContainEqual(['f:spec', 'f:subsets', 'k:{"name":"stable"}', 'f:labels', 'f:track']);
  });
});

describe('serverSideApply', () => {
  it('creates from the applied configuration and records the manager', () => {
    const created = serverSideApply(undefined, config({ host: 'web' }), 'meshplane', now);
    expect(created.spec).toEqual({ host: 'web' });
    expect(created.metadata.managedFields?.map((f) => [f.manager, f.operation])).toEqual([['meshplane', 'Apply']]);
  });

  it('removes fields and list items the same manager stopped applying', () => {
    const first = serverSideApply(
      undefined,
      config({
        host: 'web',
        subsets: [
          { name: 'stable', labels: { track: 'stable' } },
          { name: 'canary', labels: { track: 'canary' } },
        ],
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      }),
      'meshplane',
      now,
    );
    const second = serverSideApply(first, config({ host: 'web', subsets: [{ name: 'stable', labels: { track: 'stable' } }] }), 'meshplane', now);
    expect(second.spec).toEqual({ host: 'web', subsets: [{ name: 'stable', labels: { track: 'stable' } }] });
  });

  it('keeps fields written by others and fields another applier owns', () => {
    const mine = serverSideApply(undefined, config({ host: 'web', exportTo: ['.'] }, { app: 'web', team: 'a' }), 'meshplane', now);
    const withForeignLabel: KubeObj = { ...mine, metadata: { ...mine.metadata, labels: { ...mine.metadata.labels, added: 'by-kubectl-edit' } } };
    const theirs = serverSideApply(withForeignLabel, config({ exportTo: ['.'] }, { team: 'a' }), 'other-tool', now);
    const reapplied = serverSideApply(theirs, config({ host: 'web' }, { app: 'web' }), 'meshplane', now);
    expect(reapplied.metadata.labels).toEqual({ app: 'web', team: 'a', added: 'by-kubectl-edit' });
    expect(reapplied.spec).toEqual({ host: 'web', exportTo: ['.'] });
  });

  it('never lets the configuration change status or identity', () => {
    const live: KubeObj = { ...config({ host: 'web' }), status: { observed: 1 } };
    const result = serverSideApply(live, { ...config({ host: 'web2' }), status: { observed: 99 } }, 'm', now);
    expect(result.status).toEqual({ observed: 1 });
    expect(result.metadata.name).toBe('web');
  });
});
