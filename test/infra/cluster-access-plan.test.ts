import { describe, expect, it } from 'vitest';
import { functionClusterAccess, planClusterAccess, type PlannedAccessEntry } from '../../infra/cluster-access-plan.js';
import type { ClusterContext } from '../../infra/config.js';

const cluster = (c: Partial<ClusterContext> & { name: string }): ClusterContext => ({
  access: 'scoped',
  kubernetesGroups: ['meshplane-controller'],
  namespaces: ['default'],
  ...c,
});
const ROLE = 'arn:aws:iam::210987654321:role/meshplane-access';

describe('planClusterAccess', () => {
  it('allows describing any cluster and creates nothing when no cluster is named', () => {
    expect(planClusterAccess([], 'eu-west-1')).toEqual({ describe: 'any', assumeRoleArns: [], accessEntries: [], manualSteps: [] });
  });

  it.each([
    // [case, clusters, stack region, access entries, manual steps]
    ['no region: the stack region', [cluster({ name: 'a' })], 'eu-west-1', ['a'], []],
    ['no region, agnostic stack', [cluster({ name: 'a' })], undefined, ['a'], []],
    ['same region', [cluster({ name: 'a', region: 'eu-west-1' })], 'eu-west-1', ['a'], []],
    ['other region', [cluster({ name: 'a', region: 'us-east-1' })], 'eu-west-1', [], ['a']],
    ['region named, agnostic stack', [cluster({ name: 'a', region: 'us-east-1' })], undefined, [], ['a']],
    ['assumed role: its account grants access', [cluster({ name: 'a', roleArn: ROLE })], 'eu-west-1', [], []],
  ])('%s', (_, clusters, region, entries, manual) => {
    const plan = planClusterAccess(clusters, region);
    expect(plan.accessEntries.map((e) => e.clusterName)).toEqual(entries);
    expect(plan.manualSteps.map((s) => s.clusterName)).toEqual(manual);
  });

  it('describes directly reached clusters only, and assumes each named role once', () => {
    const plan = planClusterAccess(
      [cluster({ name: 'a' }), cluster({ name: 'b', region: 'us-east-1' }), cluster({ name: 'c', roleArn: ROLE }), cluster({ name: 'd', roleArn: ROLE })],
      'eu-west-1',
    );
    expect(plan.describe).toEqual([
      { name: 'a', region: undefined },
      { name: 'b', region: 'us-east-1' },
    ]);
    expect(plan.assumeRoleArns).toEqual([ROLE]);
  });

  it('carries the access mode, groups and managed namespaces of each cluster (no groups for cluster admin)', () => {
    const plan = planClusterAccess(
      [
        cluster({ name: 'admin', access: 'clusterAdmin' }),
        cluster({ name: 'rbac', access: 'kubernetesGroups', kubernetesGroups: ['ops'] }),
        cluster({ name: 'shop', namespaces: ['shop-*'] }),
      ],
      'eu-west-1',
    );
    expect(plan.accessEntries).toEqual([
      { clusterName: 'admin', access: 'clusterAdmin', kubernetesGroups: [], namespaces: ['default'] },
      { clusterName: 'rbac', access: 'kubernetesGroups', kubernetesGroups: ['ops'], namespaces: ['default'] },
      { clusterName: 'shop', access: 'scoped', kubernetesGroups: ['meshplane-controller'], namespaces: ['shop-*'] },
    ]);
  });
});

describe('functionClusterAccess', () => {
  const entry = (access: PlannedAccessEntry['access']): PlannedAccessEntry => ({
    clusterName: 'c',
    access,
    kubernetesGroups: access === 'clusterAdmin' ? [] : ['mesh'],
    namespaces: ['shop', 'pay-*'],
  });
  const ns = { type: 'namespace', namespaces: ['shop', 'pay-*'] };
  it.each([
    // [case, access mode, needs, access policies, groups]
    [
      'edit only: Edit in the managed namespaces, the Istio group',
      'scoped',
      { edit: true, viewCluster: false },
      [{ policy: 'AmazonEKSEditPolicy', scope: ns }],
      ['mesh'],
    ],
    [
      'edit and node reads: plus View cluster-wide, nothing more',
      'scoped',
      { edit: true, viewCluster: true },
      [
        { policy: 'AmazonEKSEditPolicy', scope: ns },
        { policy: 'AmazonEKSViewPolicy', scope: { type: 'cluster' } },
      ],
      ['mesh'],
    ],
    ['read-only in its namespaces: View there, no group', 'scoped', { edit: false, viewCluster: false }, [{ policy: 'AmazonEKSViewPolicy', scope: ns }], []],
    ['RBAC groups only', 'kubernetesGroups', { edit: true, viewCluster: true }, [], ['mesh']],
    [
      'cluster admin, opted in',
      'clusterAdmin',
      { edit: true, viewCluster: false },
      [{ policy: 'AmazonEKSClusterAdminPolicy', scope: { type: 'cluster' } }],
      [],
    ],
  ] as const)('%s', (_, access, needs, policies, groups) => {
    expect(functionClusterAccess(entry(access), needs)).toEqual({ accessPolicies: policies, kubernetesGroups: groups });
  });

  it('never grants cluster admin or cluster-wide edit in the default (scoped) mode', () => {
    for (const edit of [true, false]) {
      for (const viewCluster of [true, false]) {
        const access = functionClusterAccess(entry('scoped'), { edit, viewCluster });
        expect(access.accessPolicies.filter((p) => p.policy !== 'AmazonEKSViewPolicy' && p.scope.type === 'cluster')).toEqual([]);
      }
    }
  });
});
