import { describe, expect, it } from 'vitest';
import { planClusterAccess } from '../../infra/cluster-access-plan.js';
import type { ClusterContext } from '../../infra/config.js';

const cluster = (c: Partial<ClusterContext> & { name: string }): ClusterContext => ({ access: 'clusterAdmin', kubernetesGroups: ['meshplane-controller'], ...c });
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
    expect(plan.describe).toEqual([{ name: 'a', region: undefined }, { name: 'b', region: 'us-east-1' }]);
    expect(plan.assumeRoleArns).toEqual([ROLE]);
  });

  it('joins Kubernetes groups only with kubernetesGroups access', () => {
    const plan = planClusterAccess([cluster({ name: 'admin' }), cluster({ name: 'rbac', access: 'kubernetesGroups', kubernetesGroups: ['ops'] })], 'eu-west-1');
    expect(plan.accessEntries).toEqual([
      { clusterName: 'admin', access: 'clusterAdmin', kubernetesGroups: [] },
      { clusterName: 'rbac', access: 'kubernetesGroups', kubernetesGroups: ['ops'] },
    ]);
  });
});
