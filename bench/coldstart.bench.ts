/**
 * Cold-start cost of each Lambda handler: bundle bytes by package, and the time from process start to
 * a ready handler, next to a hello-world handler's measured in the same run.
 *
 * Bundles every deployable handler and a hello-world handler with the stack's esbuild options
 * (infra/bundling.ts), then starts a fresh Node process `BENCH_RUNS` times (default 20) per bundle,
 * interleaved, with the stack's NODE_OPTIONS (source maps on). Each process reports
 * `performance.now()` once `await import(bundle)` has returned, which counts from the process's own
 * start: Node's startup plus the module's evaluation; and the same without source maps. One JSON line
 * per handler, with its bytes by package (esbuild metafile).
 * Targets: the API bundle ≤ 1 MiB and ready in ≤ 1.5 × hello-world; the others ≤ 1 MiB outside the
 * Kubernetes client and its HTTP stack.
 *
 *   npx tsx bench/coldstart.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleHandlers, type HandlerBundle } from '../infra/bundle-handler.js';
import { BUNDLE_RUNTIME_ENV } from '../infra/bundling.js';
import { deployableHandlers, type HandlerDefinition } from '../infra/handler-catalog.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const MiB = 1024 * 1024;
const TARGET = { apiBytes: MiB, outsideKubernetesBytes: MiB, apiReadyRatio: 1.5 };
const projectRoot = join(import.meta.dirname, '..');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Milliseconds from the start of a fresh process to `file` imported (its handler ready). */
function readyMs(file: string, nodeOptions: string = BUNDLE_RUNTIME_ENV.NODE_OPTIONS): number {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now());`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').at(-1));
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const outDir = mkdtempSync(join(tmpdir(), 'meshplane-coldstart-'));
try {
  // The baseline: a handler that imports nothing, bundled the same way in the same build.
  const hello: HandlerDefinition = { id: 'hello-world', entry: 'bench/fixtures/hello-world.ts', description: 'baseline', trigger: { kind: 'httpApi' }, needs: { table: 'readWriteNoDelete' }, memorySizeMb: 128 };
  const handlers = deployableHandlers(projectRoot);
  const bundles: HandlerBundle[] = await bundleHandlers(projectRoot, [...handlers, hello], outDir);

  // Interleaved, so a slow moment of a shared machine spreads over every bundle alike.
  const times = new Map<string, number[]>(bundles.map((b) => [b.handlerId, []]));
  const timesWithoutMaps = new Map<string, number[]>(bundles.map((b) => [b.handlerId, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const b of bundles) {
      times.get(b.handlerId)!.push(readyMs(b.file));
      timesWithoutMaps.get(b.handlerId)!.push(readyMs(b.file, ''));
    }
  }
  const p50WithoutMaps = (id: string) => quantile([...timesWithoutMaps.get(id)!].sort((a, b) => a - b), 0.5);
  const p50 = (id: string) => quantile([...times.get(id)!].sort((a, b) => a - b), 0.5);
  const helloP50 = p50('hello-world');

  for (const bundle of bundles) {
    const sorted = [...times.get(bundle.handlerId)!].sort((a, b) => a - b);
    const callsClusters = handlers.find((h) => h.id === bundle.handlerId)?.needs.kubernetes !== undefined;
    console.log(
      JSON.stringify({
        bench: 'coldstart',
        handler: bundle.handlerId,
        bytes: bundle.bytes,
        bytesOutsideKubernetes: bundle.bytesWithoutKubernetes,
        bytesByPackage: Object.fromEntries(bundle.bytesByPackage),
        sourceMapBytes: bundle.sourceMapBytes,
        runs: RUNS,
        readyMsP50: round(sorted.length ? quantile(sorted, 0.5) : NaN),
        readyMsP90: round(quantile(sorted, 0.9)),
        helloWorldReadyMsP50: round(helloP50),
        readyRatioToHelloWorld: Math.round((quantile(sorted, 0.5) / helloP50) * 100) / 100,
        // Without --enable-source-maps: Node then skips parsing the source map at load.
        readyMsP50WithoutSourceMaps: round(p50WithoutMaps(bundle.handlerId)),
        readyRatioToHelloWorldWithoutSourceMaps: Math.round((p50WithoutMaps(bundle.handlerId) / p50WithoutMaps('hello-world')) * 100) / 100,
        node: process.version,
        ...(bundle.handlerId === 'api'
          ? { meetsTarget: bundle.bytes <= TARGET.apiBytes && quantile(sorted, 0.5) <= TARGET.apiReadyRatio * helloP50 }
          : callsClusters
            ? { meetsTarget: bundle.bytesWithoutKubernetes <= TARGET.outsideKubernetesBytes }
            : {}),
      }),
    );
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
