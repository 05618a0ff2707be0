/**
 * Hard constraints of a placement: node capacity (CPU and memory), zone spread for services with two
 * or more replicas (when their allowed nodes cover two or more zones), the per-node availability limit
 * (availability.ts), pins and exclusions.
 */
import { compileInstance, toNodeVector, type CompiledInstance, type NodeVector } from './compiled-instance.js';
import type { Assignment, PlacementInstanceInput } from './model.js';

export type Violation =
  | { kind: 'cpu'; node: string; requested: number; capacity: number; message: string }
  | { kind: 'memory'; node: string; requested: number; capacity: number; message: string }
  | { kind: 'spread'; service: string; zone: string; message: string }
  | { kind: 'nodeShare'; service: string; node: string; replicas: number; limit: number; message: string }
  | { kind: 'notAllowed'; service: string; node: string; replicas: number; message: string }
  | { kind: 'excluded'; service: string; node: string; replicas: number; message: string }
  | { kind: 'fixed'; service: string; node: string; replicas: number; limit: number; message: string };

/**
 * Every constraint the assignment breaks (empty when feasible). Throws ValidationError when the
 * assignment does not fit the instance (unknown names, wrong replica counts).
 */
export function checkConstraints(instance: PlacementInstanceInput | CompiledInstance, assignment: Assignment): Violation[] {
  const c = 'replicaStart' in instance ? instance : compileInstance(instance);
  return checkVector(c, toNodeVector(c, assignment));
}

/** Every constraint a complete node vector breaks. */
export function checkVector(c: CompiledInstance, vector: NodeVector): Violation[] {
  const { instance } = c;
  const violations: Violation[] = [];
  const usedCpu = new Float64Array(c.nodeCount);
  const usedMemory = new Float64Array(c.nodeCount);
  for (let s = 0; s < c.serviceCount; s++) {
    const service = instance.services[s];
    const perNode = new Map<number, number>();
    const zones = new Set<number>();
    for (let r = c.replicaStart[s]; r < c.replicaStart[s + 1]; r++) {
      const n = vector[r];
      usedCpu[n] += c.cpu[s];
      usedMemory[n] += c.memory[s];
      perNode.set(n, (perNode.get(n) ?? 0) + 1);
      zones.add(c.nodeZone[n]);
    }
    const fixed = c.fixedCounts[s];
    if (fixed)
      for (const [n, replicas] of perNode) {
        const limit = fixed.get(n) ?? 0;
        if (replicas <= limit || limit === 0) continue;
        const node = instance.nodes[n].id;
        violations.push({
          kind: 'fixed',
          service: service.name,
          node,
          replicas,
          limit,
          message: `${replicas} replicas of fixed service ${service.name} on node ${node}, which runs ${limit} of them now`,
        });
      }
    for (const [n, replicas] of perNode) {
      if (replicas <= c.maxPerNode[s]) continue;
      const node = instance.nodes[n].id;
      violations.push({
        kind: 'nodeShare',
        service: service.name,
        node,
        replicas,
        limit: c.maxPerNode[s],
        message: `${replicas} of ${c.replicas[s]} replicas of ${service.name} on node ${node}; at most ${c.maxPerNode[s]} may share a node`,
      });
    }
    const mask = c.allowed[s];
    if (mask) {
      const excluded = new Set(service.excludedNodes ?? []);
      for (const [n, replicas] of perNode) {
        if (mask[n]) continue;
        const node = instance.nodes[n].id;
        violations.push(
          excluded.has(node)
            ? { kind: 'excluded', service: service.name, node, replicas, message: `${replicas} replica(s) of ${service.name} on excluded node ${node}` }
            : {
                kind: 'notAllowed',
                service: service.name,
                node,
                replicas,
                message: `${replicas} replica(s) of ${service.name} on ${node}, outside its allowed nodes`,
              },
        );
      }
    }
    if (c.needsSpread[s] && zones.size < 2) {
      const zone = instance.nodes[vector[c.replicaStart[s]]].zone;
      violations.push({ kind: 'spread', service: service.name, zone, message: `all ${c.replicas[s]} replicas of ${service.name} are in zone ${zone}` });
    }
  }
  // A tiny tolerance keeps sums of fractional requests from failing on rounding.
  const tolerance = 1e-9;
  for (let n = 0; n < c.nodeCount; n++) {
    const node = instance.nodes[n].id;
    if (usedCpu[n] > c.nodeCpu[n] * (1 + tolerance) + tolerance)
      violations.push({
        kind: 'cpu',
        node,
        requested: usedCpu[n],
        capacity: c.nodeCpu[n],
        message: `node ${node} CPU ${usedCpu[n]}m requested > ${c.nodeCpu[n]}m`,
      });
    if (usedMemory[n] > c.nodeMemory[n] * (1 + tolerance) + tolerance)
      violations.push({
        kind: 'memory',
        node,
        requested: usedMemory[n],
        capacity: c.nodeMemory[n],
        message: `node ${node} memory ${usedMemory[n]}Mi requested > ${c.nodeMemory[n]}Mi`,
      });
  }
  return violations;
}
