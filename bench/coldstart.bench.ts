/**
 * Cold-start cost of each Lambda handler: bundle size and module initialization time.
 *
 * Bundles every deployable handler with the stack's esbuild options (infra/bundling.ts), then imports
 * each bundle in a fresh Node process `BENCH_RUNS` times (default 20) and reports the median and p90
 * of the time `await import()` takes, with the stack's NODE_OPTIONS (source maps on) and without.
 * One JSON line per handler. Targets: < 1 MiB and < 150 ms.
 *
 *   npx tsx bench/coldstart.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleHandlers } from '../infra/bundle-handler.js';
import { BUNDLE_RUNTIME_ENV } from '../infra/bundling.js';
import { deployableHandlers } from '../infra/handler-catalog.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const TARGET = { bytes: 1024 * 1024, initMs: 150 };
const projectRoot = join(import.meta.dirname, '..');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Milliseconds one fresh process spends importing `file`, `RUNS` times. */
function initTimes(file: string, nodeOptions: string): number[] {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  return Array.from({ length: RUNS }, () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
      encoding: 'utf8',
    });
    return Number(out.trim().split('\n').at(-1));
  }).sort((a, b) => a - b);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const outDir = mkdtempSync(join(tmpdir(), 'meshplane-coldstart-'));
try {
  const bundles = await bundleHandlers(projectRoot, deployableHandlers(projectRoot), outDir);
  for (const bundle of bundles) {
    const withMaps = initTimes(bundle.file, BUNDLE_RUNTIME_ENV.NODE_OPTIONS);
    const withoutMaps = initTimes(bundle.file, '');
    console.log(
      JSON.stringify({
        bench: 'coldstart',
        handler: bundle.handlerId,
        bytes: bundle.bytes,
        sourceMapBytes: bundle.sourceMapBytes,
        runs: RUNS,
        initMsP50: round(quantile(withMaps, 0.5)),
        initMsP90: round(quantile(withMaps, 0.9)),
        initMsP50WithoutSourceMaps: round(quantile(withoutMaps, 0.5)),
        node: process.version,
        meetsTarget: bundle.bytes < TARGET.bytes && quantile(withMaps, 0.5) < TARGET.initMs,
      }),
    );
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
