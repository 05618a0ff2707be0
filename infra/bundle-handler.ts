/**
 * Bundles one handler exactly as the stack does (same esbuild options, same copied assets), outside
 * CDK: for the bundle-size test and the cold-start benchmark.
 */
import { build, type Metafile } from 'esbuild';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { esbuildOptions } from './bundling.js';
import type { HandlerDefinition } from './handler-catalog.js';

export interface HandlerBundle {
  handlerId: string;
  /** The bundle (`index.mjs`, as in the deployed asset). */
  file: string;
  bytes: number;
  sourceMapBytes: number;
  /** Files the bundle loads relative to itself (`new URL('x', import.meta.url)`). */
  relativeUrls: string[];
  /** Files copied next to the bundle (the handler's `assets`). */
  copiedAssets: string[];
  /** Bytes in the bundle by npm package (`app` for the project's own code), largest first. */
  bytesByPackage: [string, number][];
  /**
   * Bytes of what the handler reaches without going through the Kubernetes side (the project's
   * Kubernetes adapter and `@kubernetes/client-node`, with everything only they import: undici, ws,
   * the EKS client for tokens…).
   */
  bytesWithoutKubernetes: number;
  /** Every bundled input module (project-relative paths, `node_modules/...` for packages). */
  inputs: string[];
}

/** Modules that start the Kubernetes side of a bundle: the project's adapter and the client library. */
const KUBERNETES_ENTRY = [
  /^lib\/adapters\/kubernetes\//,
  /node_modules\/@kubernetes\/client-node\//,
  // Kubeconfig admission (and the YAML parser it brings) is loaded only to connect to a kubeconfig cluster.
  /^lib\/usecases\/clusters\/kubeconfig-admission\.ts$/,
];

/** The npm package a metafile input belongs to, or `app` for the project's own code. */
export function packageOf(input: string): string {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/);
  return m ? m[1] : 'app';
}

const RELATIVE_URL = /new URL\(\s*["']([^"'/:]+)["']\s*,\s*import\.meta\.url\s*\)/g;

/** Bundles each handler into `outDir/<id>/index.mjs` (one esbuild build) and copies its assets beside it. */
export async function bundleHandlers(projectRoot: string, handlers: readonly HandlerDefinition[], outDir: string): Promise<HandlerBundle[]> {
  const entries = handlers.map((h) => ({ in: join(projectRoot, h.entry), out: `${h.id}/index` }));
  const result = await build({ ...esbuildOptions(entries, outDir), logLevel: 'error', metafile: true, absWorkingDir: projectRoot });
  return handlers.map((h) => describeBundle(projectRoot, h, outDir, result.metafile));
}

function describeBundle(projectRoot: string, handler: HandlerDefinition, outDir: string, metafile: Metafile): HandlerBundle {
  const dir = join(outDir, handler.id);
  const file = join(dir, 'index.mjs');
  const copiedAssets = (handler.assets ?? []).map((asset) => {
    copyFileSync(join(projectRoot, asset), join(dir, basename(asset)));
    return basename(asset);
  });
  const text = readFileSync(file, 'utf8');
  const output = Object.entries(metafile.outputs).find(([path, o]) => path.endsWith(`${handler.id}/index.mjs`) && o.entryPoint)?.[1];
  if (!output) throw new Error(`esbuild metafile has no output for ${handler.id}`);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  return {
    handlerId: handler.id,
    file,
    bytes: statSync(file).size,
    sourceMapBytes: statSync(`${file}.map`).size,
    relativeUrls: [...new Set([...text.matchAll(RELATIVE_URL)].map((m) => m[1]))].sort(),
    copiedAssets,
    bytesByPackage: [...byPackage].filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]),
    bytesWithoutKubernetes: bytesReachedAvoiding(metafile, output.entryPoint!, output.inputs, KUBERNETES_ENTRY),
    inputs: Object.keys(output.inputs),
  };
}

/**
 * Output bytes of the inputs reachable from `entry` through static and dynamic imports without entering
 * a module matching `avoid`: what the bundle would weigh if that side were cut off.
 */
function bytesReachedAvoiding(metafile: Metafile, entry: string, inOutput: Record<string, { bytesInOutput: number }>, avoid: RegExp[]): number {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const next = queue.pop()!;
    for (const imported of metafile.inputs[next]?.imports ?? []) {
      if (imported.external || seen.has(imported.path) || avoid.some((re) => re.test(imported.path))) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return [...seen].reduce((sum, input) => sum + (inOutput[input]?.bytesInOutput ?? 0), 0);
}
