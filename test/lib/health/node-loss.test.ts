import { describe, expect, it } from 'vitest';
import { nodeLossEvidence, type NodeLossMemory } from '../../../lib/health/node-loss.js';

const node = (name: string, ready = true) => ({ name, zone: `zone-${name.split('-')[1]}`, ready });
const pods = (spec: Record<string, string>) => Object.entries(spec).map(([name, n]) => ({ name, node: n }));
const mem = (podNodes: Record<string, string>, downNodes: string[] = []): NodeLossMemory => ({ podNodes, downNodes });

describe('nodeLossEvidence', () => {
  it.each([
    {
      name: 'all nodes Ready: nothing to say, pods remembered',
      previous: undefined,
      pods: pods({ 'web-1': 'node-a-1', 'web-2': 'node-b-1' }),
      nodes: [node('node-a-1'), node('node-b-1')],
      events: [],
      memory: mem({ 'web-1': 'node-a-1', 'web-2': 'node-b-1' }),
    },
    {
      name: 'the node went down and its pod was evicted and replaced between two probes',
      previous: mem({ 'web-1': 'node-a-1', 'web-2': 'node-b-1' }),
      pods: pods({ 'web-3': 'node-c-1', 'web-2': 'node-b-1' }),
      nodes: [node('node-a-1', false), node('node-b-1'), node('node-c-1')],
      events: [['NodeNotReady', 'node node-a-1 (zone-a) is NotReady: 1 pod(s) of web were evicted from it and replaced elsewhere (web-1)']],
      memory: mem({ 'web-3': 'node-c-1', 'web-2': 'node-b-1' }, ['node-a-1']),
    },
    {
      name: 'the node is down, its pod still on it (not evicted yet)',
      previous: undefined,
      pods: pods({ 'web-1': 'node-a-1' }),
      nodes: [node('node-a-1', false)],
      events: [['NodeNotReady', 'node node-a-1 (zone-a) is NotReady: 1 pod(s) of web are still on it and not serving (web-1)']],
      memory: mem({ 'web-1': 'node-a-1' }, ['node-a-1']),
    },
    {
      name: 'already reported; the stranded pod is evicted now',
      previous: mem({ 'web-1': 'node-a-1' }, ['node-a-1']),
      pods: pods({ 'web-4': 'node-b-1' }),
      nodes: [node('node-a-1', false), node('node-b-1')],
      events: [['PodsEvicted', '1 more pod(s) of web were evicted from NotReady node node-a-1 (zone-a) (web-1)']],
      memory: mem({ 'web-4': 'node-b-1' }, ['node-a-1']),
    },
    {
      name: 'already reported, nothing new: quiet',
      previous: mem({ 'web-4': 'node-b-1' }, ['node-a-1']),
      pods: pods({ 'web-4': 'node-b-1' }),
      nodes: [node('node-a-1', false), node('node-b-1')],
      events: [],
      memory: mem({ 'web-4': 'node-b-1' }, ['node-a-1']),
    },
    {
      name: 'the node is back',
      previous: mem({ 'web-4': 'node-b-1' }, ['node-a-1']),
      pods: pods({ 'web-4': 'node-b-1' }),
      nodes: [node('node-a-1'), node('node-b-1')],
      events: [['NodeReady', 'node node-a-1 is Ready again']],
      memory: mem({ 'web-4': 'node-b-1' }),
    },
    {
      name: 'a node that ran none of the service’s pods is not the service’s business',
      previous: mem({ 'web-4': 'node-b-1' }),
      pods: pods({ 'web-4': 'node-b-1' }),
      nodes: [node('node-a-1', false), node('node-b-1')],
      events: [],
      memory: mem({ 'web-4': 'node-b-1' }),
    },
    {
      name: 'a node removed from the cluster with the pod',
      previous: mem({ 'web-1': 'node-a-1' }),
      pods: pods({ 'web-5': 'node-b-1' }),
      nodes: [node('node-b-1')],
      events: [['NodeNotReady', 'node node-a-1 is gone: 1 pod(s) of web were evicted from it and replaced elsewhere (web-1)']],
      memory: mem({ 'web-5': 'node-b-1' }, ['node-a-1']),
    },
  ])('$name', ({ previous, pods: now, nodes, events, memory }) => {
    const result = nodeLossEvidence('web', previous, now, nodes);
    expect(result.events.map((e) => [e.type, e.message])).toEqual(events);
    expect(result.memory).toEqual(memory);
  });
});
