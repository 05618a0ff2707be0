import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModules } from 'node:module';
import { bundleHandlers, packageOf, type HandlerBundle } from '../../infra/bundle-handler.js';
import { NODE_BUILTIN_SHIMS, nodeBuiltinShim } from '../../infra/bundling.js';
import { deployableHandlers, HANDLERS } from '../../infra/handler-catalog.js';
import { PROJECT_ROOT } from './support/synth-meshplane.js';

const MiB = 1024 * 1024;
/** Generous ceiling for any bundle: Lambda allows 250 MB unzipped, but a bundle this size means a dependency exploded. */
const MAX_BUNDLE_BYTES = 5 * MiB;
/** Handlers that never call a cluster: the whole bundle within 1 MiB. */
const NO_CLUSTER_BUDGET = MiB;
/** Handlers that call clusters: everything but the Kubernetes client and its HTTP stack within 1 MiB. */
const OUTSIDE_KUBERNETES_BUDGET = MiB;
/**
 * The optimizer also carries the HiGHS solver's JavaScript glue (~100 KiB; its WebAssembly ships beside
 * the bundle) and the placement code: measured 684 KiB outside the Kubernetes side once zod is imported
 * as a namespace everywhere it reaches (1,038 KiB before, with every zod locale). Held to 1,000 KiB.
 */
const OPTIMIZER_OUTSIDE_KUBERNETES_BUDGET = 1_000 * 1024;
/**
 * Handlers whose bundles must not carry zod's locales: a single `import { z } from 'zod'` in any module a
 * bundle reaches makes esbuild keep the whole `z` namespace (every locale, the JSON-schema converters,
 * ~350 KiB); `import * as z from 'zod'` lets it keep only what is used.
 */
const WITHOUT_ZOD_LOCALES = [
  'api',
  'on-health-alarm',
  'operations-sweeper',
  'optimizer',
  'on-service-event',
  'on-deploy-requested',
  'rollout-task',
  'release-task',
  'health-probe',
];
/**
 * The API: a cold start reads only its entry (the router's table and the Lambda glue) and the chunks that
 * imports statically, measured 14 KiB; the route groups, the SDK clients, zod and the YAML parser are chunks
 * loaded by the requests that need them (bench/coldstart.bench.ts). Growth should be a decision.
 */
const API_INIT_BUDGET = 24 * 1024;
/**
 * Every chunk of the API that can load (measured 519 KiB, 515 KiB as one file before; 566 KiB with the
 * logs-and-metrics chunk, Powertools logger and metrics, which the first request loads).
 */
const API_BUDGET = 600 * 1024;

const KUBERNETES_PACKAGES = ['@kubernetes/client-node', 'undici', 'ws'];
/** SDK clients only some handlers use, with who may bundle each. */
const OPTIONAL_SDK_CLIENTS: Record<string, string[]> = {
  '@aws-sdk/client-sfn': ['on-deploy-requested', 'rollout-task', 'health-probe'],
  // Alarm tags (the alarm intake); GetMetricData when METRICS_SOURCE=cloudwatch (the handlers that analyse).
  '@aws-sdk/client-cloudwatch': ['on-health-alarm', 'rollout-task', 'health-probe'],
};

describe('handler bundles (the stack esbuild options)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'meshplane-bundles-'));
  const bundles: HandlerBundle[] = [];
  const bundle = (id: string) => bundles.find((b) => b.handlerId === id)!;

  beforeAll(async () => {
    bundles.push(...(await bundleHandlers(PROJECT_ROOT, deployableHandlers(PROJECT_ROOT), outDir)));
    console.log(
      bundles
        .map(
          (b) =>
            `${b.handlerId}: ${(b.bytes / 1024).toFixed(0)} KiB, ${(b.bytesWithoutKubernetes / 1024).toFixed(0)} KiB outside the Kubernetes side (map ${(b.sourceMapBytes / 1024).toFixed(0)} KiB)`,
        )
        .join('\n'),
    );
  }, 420_000); // one esbuild build per handler (as deployed: chunks are per function), run together: 100 s on a busy 2-core machine (2.4× one shared build)
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(`keeps every handler bundle under ${MAX_BUNDLE_BYTES / MiB} MiB`, () => {
    expect(bundles.length).toBeGreaterThanOrEqual(5);
    for (const b of bundles) expect(b.bytes, b.handlerId).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it('keeps the API within 1 MiB, without the Kubernetes client, its HTTP stack or SDK clients it does not use', () => {
    const api = bundle('api');
    expect(api.bytes).toBeLessThanOrEqual(Math.min(NO_CLUSTER_BUDGET, API_BUDGET));
    expect(api.initBytes).toBeLessThanOrEqual(API_INIT_BUDGET);
    const packages = new Set(api.inputs.map(packageOf));
    for (const p of [...KUBERNETES_PACKAGES, '@aws-sdk/client-eks', '@aws-sdk/client-sfn', '@aws-sdk/client-cloudwatch', 'highs'])
      expect(packages.has(p), p).toBe(false);
    // GET /v1/mesh prices edges with the placement's distance model and shows the node limit; no solver, no instance building.
    const pricing = new Set(['lib/placement/edge-locality.ts', 'lib/placement/model.ts', 'lib/placement/node-limit.ts']);
    expect(api.inputs.filter((i) => i.startsWith('lib/adapters/kubernetes/') || (i.startsWith('lib/placement/') && !pricing.has(i)))).toEqual([]);
  });

  it('starts the API with the router only: SDK clients, zod, the YAML parser and the route modules load with the requests that use them', () => {
    const api = bundle('api');
    expect(api.files.length).toBeGreaterThan(1);
    const atInit = new Set(api.initBytesByPackage.map(([p]) => p));
    expect([...atInit]).toEqual(expect.not.arrayContaining(['zod', 'yaml', '@smithy/core', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']));
    for (const route of ['service-routes', 'cluster-routes', 'deployment-routes'])
      expect(
        api.files.some((f) => f.startsWith(`${route}-`)),
        route,
      ).toBe(true);
    // The YAML parser only in the chunk of kubeconfig admission, which only registering a kubeconfig cluster imports.
    expect(api.files.some((f) => f.startsWith('kubeconfig-admission-'))).toBe(true);
  });

  it('keeps the operations sweeper (store and queues only) within 1 MiB, without the Kubernetes client', () => {
    const sweeper = bundle('operations-sweeper');
    expect(sweeper.bytes).toBeLessThanOrEqual(NO_CLUSTER_BUDGET);
    const packages = new Set(sweeper.inputs.map(packageOf));
    for (const p of [...KUBERNETES_PACKAGES, '@aws-sdk/client-eks', '@aws-sdk/client-sfn', '@aws-sdk/client-cloudwatch', 'highs'])
      expect(packages.has(p), p).toBe(false);
  });

  it('keeps the release task (store, queues, Prometheus call rates) within 1 MiB, without the Kubernetes client or Step Functions', () => {
    const task = bundle('release-task');
    expect(task.bytes).toBeLessThanOrEqual(NO_CLUSTER_BUDGET);
    const packages = new Set(task.inputs.map(packageOf));
    for (const p of [...KUBERNETES_PACKAGES, '@aws-sdk/client-eks', '@aws-sdk/client-sfn', '@aws-sdk/client-cloudwatch', 'highs'])
      expect(packages.has(p), p).toBe(false);
  });

  it('keeps the alarm intake (it decides from the store) within 1 MiB, without the Kubernetes client, its HTTP stack or the EKS client', () => {
    const intake = bundle('on-health-alarm');
    expect(intake.bytes).toBeLessThanOrEqual(NO_CLUSTER_BUDGET);
    const packages = new Set(intake.inputs.map(packageOf));
    for (const p of [...KUBERNETES_PACKAGES, '@aws-sdk/client-eks', '@aws-sdk/client-sfn', 'highs', 'yaml']) expect(packages.has(p), p).toBe(false);
    expect(
      intake.inputs.filter((i) => i.startsWith('lib/adapters/kubernetes/') || i.startsWith('lib/adapters/metrics/') || i.startsWith('lib/placement/')),
    ).toEqual([]);
  });

  it('bundles only the parts of zod a handler uses (no locale): zod is imported as a namespace', () => {
    for (const id of WITHOUT_ZOD_LOCALES) {
      const b = bundle(id);
      if (!b) continue;
      expect(
        b.inputs.filter((i) => /node_modules\/zod\/.*\/locales\/(?!en\.js|index\.js)[^/]+$/.test(i)),
        `${id}: a module imports { z } from 'zod'`,
      ).toEqual([]);
    }
  });

  it('keeps everything but the Kubernetes side within budget in the handlers that call clusters', () => {
    for (const h of HANDLERS.filter((h) => h.needs.kubernetes)) {
      const b = bundle(h.id);
      if (!b) continue;
      expect(b.bytesWithoutKubernetes, h.id).toBeLessThanOrEqual(h.id === 'optimizer' ? OPTIMIZER_OUTSIDE_KUBERNETES_BUDGET : OUTSIDE_KUBERNETES_BUDGET);
    }
  });

  it('bundles an optional SDK client only into the handlers that use it', () => {
    for (const b of bundles) {
      const packages = new Set(b.inputs.map(packageOf));
      for (const [client, users] of Object.entries(OPTIONAL_SDK_CLIENTS))
        expect(packages.has(client), `${b.handlerId} ${client}`).toBe(users.includes(b.handlerId));
    }
  });

  it('ships every file a bundle loads relative to itself (e.g. highs.wasm)', () => {
    for (const b of bundles) expect(b.copiedAssets.sort(), b.handlerId).toEqual(b.relativeUrls);
  });

  it('gives the SDK clients credentials from the environment only, as Lambda provides them (no SSO, INI, STS, metadata chain)', () => {
    const chain = ['node', 'sso', 'ini', 'process', 'web-identity', 'login'].map((p) => `@aws-sdk/credential-provider-${p}`);
    for (const b of bundles) {
      const packages = new Set(b.inputs.map(packageOf));
      for (const p of chain) expect(packages.has(p), `${b.handlerId} ${p}`).toBe(false);
    }
    // The STS, SSO and sign-in clients the chain brings (handlers that call clusters use STS for EKS tokens).
    for (const id of ['api', 'operations-sweeper']) expect(new Set(bundle(id).inputs.map(packageOf)).has('@aws-sdk/nested-clients'), id).toBe(false);
  });

  it('loads Node built-ins through process.getBuiltinModule, never as ES modules (their ESM facade costs the cold start)', () => {
    // What esbuild leaves as an ES import of a built-in: `from"node:http"`, `import("http")`, `import"fs"`.
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const b of bundles)
      for (const file of b.files) {
        const body = readFileSync(join(dirname(b.file), file), 'utf8')
          .split('\n')
          .slice(1)
          .join('\n'); // after the banner (node:module for createRequire)
        const esImports = [...body.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]).filter((spec) => builtins.has(spec));
        expect(esImports, `${b.handlerId} ${file}: add these to NODE_BUILTIN_SHIMS (infra/bundling.ts) with a shim each`).toEqual([]);
      }
    for (const name of NODE_BUILTIN_SHIMS)
      expect(readFileSync(join(PROJECT_ROOT, nodeBuiltinShim(name)), 'utf8')).toContain(`getBuiltinModule('node:${name}')`);
  });

  it('produces ES modules that define require for bundled CommonJS', () => {
    for (const b of bundles)
      for (const file of b.files) {
        const head = readFileSync(join(dirname(b.file), file), 'utf8').slice(0, 400);
        expect(head, `${b.handlerId} ${file}`).toContain('createRequire');
        expect(head, `${b.handlerId} ${file}`).toContain('import.meta.url');
      }
  });
});
