/**
 * Node loss as evidence in a service's audit trail. Pure.
 *
 * The cluster handles a lost node itself: the node turns NotReady, its pods turn NotReady and, after the
 * eviction grace period, are evicted and replaced elsewhere — often between two probes, so the pods alone
 * show nothing wrong. The probe remembers on which node each of the service's pods ran; comparing that
 * with what it sees now, it records, once per episode and node:
 * - `NodeNotReady`: a node that runs (or ran, at the last probe) pods of the service is NotReady or gone,
 *   with the pods evicted from it and those still on it;
 * - `PodsEvicted`: more of the service's pods were evicted from a node already reported;
 * - `NodeReady`: a reported node is Ready again.
 */
import type { NodeInfo, PodInfo } from '../ports/cluster-client.js';

/** What the probe remembers between runs: pod → node, and the nodes already reported down. */
export interface NodeLossMemory {
  podNodes: Record<string, string>;
  downNodes: string[];
}

export interface NodeLossEvent {
  type: 'NodeNotReady' | 'PodsEvicted' | 'NodeReady';
  message: string;
  data: Record<string, unknown>;
}

const list = (names: readonly string[], max = 5) =>
  names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');

export function nodeLossEvidence(
  service: string,
  previous: NodeLossMemory | undefined,
  pods: readonly Pick<PodInfo, 'name' | 'node'>[],
  nodes: readonly Pick<NodeInfo, 'name' | 'zone' | 'ready'>[],
): { events: NodeLossEvent[]; memory: NodeLossMemory } {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const podNodes: Record<string, string> = {};
  for (const p of pods) if (p.node) podNodes[p.name] = p.node;
  const before = previous?.podNodes ?? {};
  const reported = new Set(previous?.downNodes ?? []);
  const candidates = new Set([...Object.values(before), ...Object.values(podNodes), ...reported]);
  const events: NodeLossEvent[] = [];
  const downNodes: string[] = [];
  for (const name of [...candidates].sort()) {
    const node = byName.get(name);
    const down = !node || !node.ready;
    if (!down) {
      if (reported.has(name)) events.push({ type: 'NodeReady', message: `node ${name} is Ready again`, data: { node: name, zone: node.zone } });
      continue;
    }
    const evicted = Object.keys(before)
      .filter((p) => before[p] === name && podNodes[p] !== name)
      .sort();
    const stranded = Object.keys(podNodes)
      .filter((p) => podNodes[p] === name)
      .sort();
    const label = `node ${name}${node ? ` (${node.zone})` : ''}`;
    const where = `${label} is ${node ? 'NotReady' : 'gone'}`;
    const data = { node: name, ...(node ? { zone: node.zone } : {}), evicted, stillOnNode: stranded };
    if (!reported.has(name)) {
      if (evicted.length === 0 && stranded.length === 0) continue;
      const parts = [
        ...(evicted.length ? [`${evicted.length} pod(s) of ${service} were evicted from it and replaced elsewhere (${list(evicted)})`] : []),
        ...(stranded.length ? [`${stranded.length} pod(s) of ${service} are still on it and not serving (${list(stranded)})`] : []),
      ];
      events.push({ type: 'NodeNotReady', message: `${where}: ${parts.join('; ')}`, data });
    } else if (evicted.length > 0) {
      events.push({
        type: 'PodsEvicted',
        message: `${evicted.length} more pod(s) of ${service} were evicted from ${node ? 'NotReady' : 'lost'} ${label} (${list(evicted)})`,
        data,
      });
    }
    downNodes.push(name);
  }
  return { events, memory: { podNodes, downNodes } };
}
