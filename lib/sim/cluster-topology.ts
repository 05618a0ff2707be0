/** The simulated cluster's nodes: names, labels and capacity, built from the cluster options. */
import type { KubeObj } from './sim-types.js';
import { timestamp } from './pod-model.js';
import { SIM_KUBERNETES_VERSION } from './discovery.js';

/** Node layout of a simulated cluster. */
export interface TopologyOptions {
  zones: readonly string[];
  nodesPerZone: number;
  nodeCpuMillis: number;
  nodeMemoryMiB: number;
  /** EC2-like instance type reported in `node.kubernetes.io/instance-type`. */
  instanceType?: string;
}

/** Node name for a zone and 1-based index: `node-zone-a-1`. */
export function nodeName(zone: string, index: number): string {
  return `node-${zone}-${index}`;
}

/** The Node objects of a fresh cluster, zone by zone; node i of zone z gets InternalIP 10.0.z.i. */
export function buildNodes(options: TopologyOptions, now: number): KubeObj[] {
  const nodes: KubeObj[] = [];
  options.zones.forEach((zone, z) => {
    for (let i = 1; i <= options.nodesPerZone; i++) {
      const name = nodeName(zone, i);
      const capacity = { cpu: `${options.nodeCpuMillis}m`, memory: `${options.nodeMemoryMiB}Mi`, pods: '110' };
      nodes.push({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/zone': zone,
            'topology.kubernetes.io/region': 'sim-region-1',
            'node.kubernetes.io/instance-type': options.instanceType ?? 'm5.xlarge',
          },
        },
        spec: {},
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: timestamp(now),
              lastTransitionTime: timestamp(now),
            },
          ],
          addresses: [
            { type: 'InternalIP', address: `10.0.${z}.${i}` },
            { type: 'Hostname', address: name },
          ],
          nodeInfo: {
            kubeletVersion: SIM_KUBERNETES_VERSION.gitVersion,
            containerRuntimeVersion: 'containerd://1.7.0',
            osImage: 'Simulated Linux',
            kernelVersion: '6.1.0-sim',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      });
    }
  });
  return nodes;
}
