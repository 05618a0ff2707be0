import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../lib/errors.js';
import { compileInstance } from '../../../lib/placement/compiled-instance.js';
import { loadInstance, parseInstance, saveInstance } from '../../../lib/placement/instance-file.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';

describe('generateInstance', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateInstance({ services: 80, nodes: 20, seed: 5 });
    expect(generateInstance({ services: 80, nodes: 20, seed: 5 })).toEqual(a);
    expect(generateInstance({ services: 80, nodes: 20, seed: 6 })).not.toEqual(a);
  });

  it('produces a heavy-tailed call graph with a few entry services and rates decaying with depth', () => {
    const instance = generateInstance({ services: 1_000, nodes: 300, seed: 1 });
    const fanOut = new Map<string, number>();
    const callers = new Set<string>();
    for (const e of instance.traffic) {
      fanOut.set(e.from, (fanOut.get(e.from) ?? 0) + 1);
      callers.add(e.to);
    }
    const counts = instance.services.map((s) => fanOut.get(s.name) ?? 0).sort((x, y) => x - y);
    expect(counts[Math.floor(counts.length / 2)]).toBeLessThanOrEqual(1); // most call at most one service
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(20); // a few hubs call many
    const entries = instance.services.filter((s) => !callers.has(s.name));
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries.length).toBeLessThanOrEqual(50);
    // Edges out of entry services carry more than edges further down, on average.
    const entryNames = new Set(entries.map((s) => s.name));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(instance.traffic.filter((e) => entryNames.has(e.from)).map((e) => e.rps))).toBeGreaterThan(
      mean(instance.traffic.filter((e) => !entryNames.has(e.from)).map((e) => e.rps)),
    );
  });

  it('uses 1–8 replicas (mostly few), three zones and 55–75% of the capacity', () => {
    const instance = generateInstance({ services: 500, nodes: 150, seed: 2 });
    const replicas = instance.services.map((s) => s.replicas);
    expect(Math.min(...replicas)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...replicas)).toBeLessThanOrEqual(8);
    expect(replicas.filter((r) => r <= 2).length).toBeGreaterThan(replicas.length / 2);
    expect(new Set(instance.nodes.map((n) => n.zone)).size).toBe(3);
    const demand = instance.services.reduce((sum, s) => sum + s.cpu * s.replicas, 0);
    const capacity = instance.nodes.reduce((sum, n) => sum + n.cpu, 0);
    expect(demand / capacity).toBeGreaterThan(0.55);
    expect(demand / capacity).toBeLessThan(0.75);
  });

  it('reaches a requested mean replica count', () => {
    const instance = generateInstance({ services: 2_000, nodes: 1_000, seed: 3, meanReplicas: 5 });
    const total = instance.services.reduce((sum, s) => sum + s.replicas, 0);
    expect(total / 2_000).toBeGreaterThan(4.6);
    expect(total / 2_000).toBeLessThan(5.6);
  });
});

describe('instance files', () => {
  const dirPromise = mkdtemp(join(tmpdir(), 'placement-'));
  afterAll(async () => rm(await dirPromise, { recursive: true, force: true }));

  it('round-trips an instance through save and load', async () => {
    const path = join(await dirPromise, 'instance.json');
    const instance = { ...generateInstance({ services: 30, nodes: 9, seed: 4, pinnedFraction: 0.2, withRisk: true }), migrationCost: 3 };
    await saveInstance(path, instance);
    expect(await loadInstance(path)).toEqual(instance);
  });

  it('fills defaults for a minimal hand-written instance', () => {
    const instance = parseInstance(
      JSON.stringify({ services: [{ name: 'a', replicas: 1, cpu: 100, memory: 64 }], nodes: [{ id: 'n', zone: 'z', cpu: 1000, memory: 1000 }] }),
    );
    expect(instance).toMatchObject({ version: 1, objective: 'latency', migrationCost: 0, traffic: [], nodes: [{ cluster: 'default', risk: 0 }] });
    expect(instance.distance.crossZone).toEqual({ latencyMs: 1, dollarsPerGB: 0.02 });
  });

  it.each([
    { name: 'broken JSON', text: '{"services": [', message: /not valid JSON/ },
    { name: 'a missing field', text: JSON.stringify({ services: [{ name: 'a', replicas: 1, cpu: 1 }], nodes: [] }), message: /services\.0\.memory/ },
    {
      name: 'an unknown service in traffic',
      text: JSON.stringify({ services: [], nodes: [], traffic: [{ from: 'x', to: 'y', rps: 1 }] }),
      message: /traffic\.0\.from: unknown service "x".*traffic\.0\.to: unknown service "y"/,
    },
    {
      name: 'a distance that shrinks with the level',
      text: JSON.stringify({ services: [], nodes: [], distance: { crossZone: { latencyMs: 0.1, dollarsPerGB: 0 } } }),
      message: /crossZone\.latencyMs: must be at least sameZone\.latencyMs/,
    },
  ])('explains $name', ({ text, message }) => {
    expect(() => parseInstance(text)).toThrow(ValidationError);
    expect(() => parseInstance(text)).toThrow(message);
  });

  it('says when the file does not exist', async () => {
    await expect(loadInstance(join(await dirPromise, 'missing.json'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists every broken reference of a compiled instance at once', async () => {
    const path = join(await dirPromise, 'bad.json');
    await writeFile(
      path,
      JSON.stringify({ services: [{ name: 'a', replicas: 1, cpu: 1, memory: 1, allowedNodes: ['ghost'] }], nodes: [], current: { b: [] } }),
    );
    await expect(loadInstance(path)).rejects.toThrow(/allowedNodes\.0: unknown node "ghost".*current\.b: unknown service "b"/);
    expect(() =>
      compileInstance({
        services: [],
        nodes: [
          { id: 'n', zone: 'z', cpu: 1, memory: 1 },
          { id: 'n', zone: 'z', cpu: 1, memory: 1 },
        ],
      }),
    ).toThrow(/duplicate node "n"/);
  });
});
