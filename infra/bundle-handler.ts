/**
 * Bundles a handler exactly as the stack does (same esbuild options, same copied assets): for the
 * stack's functions (synchronously, CDK's local bundling), the bundle-size test and the cold-start
 * benchmark.
 */
import { build, buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { copyFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { esbuildOptions } from './bundling.js';
import type { HandlerDefinition } from './handler-catalog.js';

export interface HandlerBundle {
  handlerId: string;
  /** The entry (`index.mjs`, as in the deployed asset). */
  file: string;
  /** Every module file of the bundle: the entry and the chunks it may load (paths relative to the bundle's directory). */
  files: string[];
  /** Bytes of every module file. */
  bytes: number;
  /** Bytes a cold start reads: the entry and the chunks it imports statically (dynamic imports load later). */
  initBytes: number;
  sourceMapBytes: number;
  /** Files the bundle loads relative to itself (`new URL('x', import.meta.url)`). */
  relativeUrls: string[];
  /** Files copied next to the bundle (the handler's `assets`). */
  copiedAssets: string[];
  /** Bytes in the bundle by npm package (`app` for the project's own code), largest first. */
  bytesByPackage: [string, number][];
  /** The same for what a cold start reads ({@link initBytes}). */
  initBytesByPackage: [string, number][];
  /**
   * Bytes of what the handler reaches without going through the Kubernetes side (the project's
   * Kubernetes adapter and `@kubernetes/client-node`, with everything only they import: undici, ws,
   * the EKS client for tokens…).
   */
  bytesWithoutKubernetes: number;
  /** Every bundled input module that can load (project-relative paths, `node_modules/...` for packages). */
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

function handlerBuild(projectRoot: string, handler: HandlerDefinition, outDir: string) {
  return {
    ...esbuildOptions([{ in: join(projectRoot, handler.entry), out: 'index' }], outDir),
    logLevel: 'error',
    absWorkingDir: projectRoot,
    metafile: true,
  } as const;
}

/**
 * esbuild emits a chunk for every dynamic `import()` it sees, even in code it then drops (the SDK's SSO
 * and Cognito providers behind `@aws-sdk/credential-providers`). Removes the chunks no module of the bundle
 * imports, with their maps, and returns the outputs left: what is deployed, and all that can ever load.
 */
function pruneUnreachable(projectRoot: string, metafile: Metafile): Metafile['outputs'] {
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith('/index.mjs') && metafile.outputs[path].entryPoint);
  if (!entry) throw new Error('esbuild metafile has no index.mjs');
  const reached = new Set<string>([entry]);
  for (const queue = [entry]; queue.length > 0;)
    for (const imported of metafile.outputs[queue.pop()!].imports)
      if (metafile.outputs[imported.path] && !reached.has(imported.path)) {
        reached.add(imported.path);
        queue.push(imported.path);
      }
  const kept: Metafile['outputs'] = {};
  for (const [path, output] of Object.entries(metafile.outputs)) {
    const module = path.endsWith('.map') ? path.slice(0, -'.map'.length) : path;
    if (reached.has(module)) kept[path] = output;
    else rmSync(join(projectRoot, path), { force: true });
  }
  return kept;
}

function copyAssets(projectRoot: string, handler: HandlerDefinition, outDir: string): string[] {
  return (handler.assets ?? []).map((asset) => {
    copyFileSync(join(projectRoot, asset), join(outDir, basename(asset)));
    return basename(asset);
  });
}

/** Bundles one handler into `outDir` (`index.mjs`, its chunks and maps, its assets), synchronously: CDK's local bundling. */
export function bundleHandlerSync(projectRoot: string, handler: HandlerDefinition, outDir: string, overrides: Partial<BuildOptions> = {}): void {
  pruneUnreachable(projectRoot, buildSync({ ...handlerBuild(projectRoot, handler, outDir), ...overrides }).metafile!);
  copyAssets(projectRoot, handler, outDir);
}

/** Bundles each handler into `outDir/<id>/` (one esbuild build each, run together) and copies its assets beside it. */
export async function bundleHandlers(projectRoot: string, handlers: readonly HandlerDefinition[], outDir: string): Promise<HandlerBundle[]> {
  return Promise.all(
    handlers.map(async (h) => {
      const dir = join(outDir, h.id);
      const { metafile } = await build(handlerBuild(projectRoot, h, dir));
      return describeBundle(projectRoot, h, dir, { ...metafile, outputs: pruneUnreachable(projectRoot, metafile) }, copyAssets(projectRoot, h, dir));
    }),
  );
}

function byPackage(outputs: Metafile['outputs'][string][]): [string, number][] {
  const bytes = new Map<string, number>();
  for (const output of outputs)
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  return [...bytes].filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]);
}

function describeBundle(projectRoot: string, handler: HandlerDefinition, dir: string, metafile: Metafile, copiedAssets: string[]): HandlerBundle {
  const file = join(dir, 'index.mjs');
  const modules = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const entry = modules.find(([path, o]) => path.endsWith('/index.mjs') && o.entryPoint);
  if (!entry) throw new Error(`esbuild metafile has no output for ${handler.id}`);
  // What a cold start reads: the entry and, transitively, the chunks it imports statically.
  const init = new Set<string>([entry[0]]);
  for (const queue = [entry[0]]; queue.length > 0;)
    for (const imported of metafile.outputs[queue.pop()!].imports)
      if (imported.kind === 'import-statement' && metafile.outputs[imported.path] && !init.has(imported.path)) {
        init.add(imported.path);
        queue.push(imported.path);
      }
  const sizeOf = (path: string) => statSync(join(projectRoot, path)).size;
  const inOutput: Record<string, { bytesInOutput: number }> = Object.assign({}, ...modules.map(([, o]) => o.inputs));
  const texts = modules.map(([path]) => readFileSync(join(projectRoot, path), 'utf8'));
  return {
    handlerId: handler.id,
    file,
    files: modules.map(([path]) => relative(dir, join(projectRoot, path))).sort(),
    bytes: modules.reduce((sum, [path]) => sum + sizeOf(path), 0),
    initBytes: [...init].reduce((sum, path) => sum + sizeOf(path), 0),
    sourceMapBytes: modules.reduce((sum, [path]) => sum + sizeOf(`${path}.map`), 0),
    relativeUrls: [...new Set(texts.flatMap((text) => [...text.matchAll(RELATIVE_URL)].map((m) => m[1])))].sort(),
    copiedAssets,
    bytesByPackage: byPackage(modules.map(([, o]) => o)),
    initBytesByPackage: byPackage([...init].map((path) => metafile.outputs[path])),
    bytesWithoutKubernetes: bytesReachedAvoiding(metafile, entry[1].entryPoint!, inOutput, KUBERNETES_ENTRY),
    inputs: Object.keys(inOutput),
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
