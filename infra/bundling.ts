/**
 * How every handler is bundled, defined once: the stack's functions run these esbuild options (the
 * locally installed esbuild, never Docker; `infra/handler-bundle.ts`), and the bundle-size test and the
 * cold-start benchmark run the same, so what they measure is what is deployed.
 */
import type { BuildOptions } from 'esbuild';

/**
 * Node built-ins the bundles import, each replaced by a one-line CommonJS module of `infra/node-builtins/`
 * that returns `process.getBuiltinModule('node:<name>')`.
 *
 * An ES `import … from 'node:http'` makes Node build the module's ESM facade, which reads every export once,
 * getters included: `http.WebSocket` then loads Node's internal undici (about 2 MB of JavaScript) and
 * `process.allowedNodeEnvironmentFlags` parses every option Node has. That was the largest single cost of
 * the API's cold start (`bench/coldstart.bench.ts`). Through the shim, esbuild reads the module like any
 * CommonJS one, and only the members a bundle uses are ever touched. `getBuiltinModule` is Node ≥ 22.3.
 */
export const NODE_BUILTIN_SHIMS = [
  'async_hooks',
  'buffer',
  'child_process',
  'console',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'process',
  'querystring',
  'readline',
  'stream',
  'stream/web',
  'timers',
  'timers/promises',
  'tls',
  'tty',
  'url',
  'util',
  'util/types',
  'vm',
  'worker_threads',
  'zlib',
] as const;

/** The shim of a built-in, relative to the project root (esbuild resolves alias targets in its working directory). */
export const nodeBuiltinShim = (name: string) => `./infra/node-builtins/${name.replace('/', '-')}.cjs`;

/**
 * Modules replaced in every bundle (project-relative, as esbuild resolves alias targets; the build runs
 * in the project root): `import 'http'`
 * and `import 'node:http'` alike → the built-in's shim; the SDK's default credential chain → the
 * environment only, as Lambda provides them (see `infra/lambda-credential-provider.ts`).
 */
function bundleAliases(): Record<string, string> {
  return {
    ...Object.fromEntries(NODE_BUILTIN_SHIMS.flatMap((name) => [name, `node:${name}`].map((spec) => [spec, nodeBuiltinShim(name)]))),
    '@aws-sdk/credential-provider-node': './infra/lambda-credential-provider.ts',
  };
}

/**
 * ESM output has no `require`; some bundled CommonJS dependencies call it for Node built-ins. The
 * banner defines it from `import.meta.url` (what esbuild's ESM `__require` shim looks for).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __meshplaneCreateRequire } from 'node:module'; const require = __meshplaneCreateRequire(import.meta.url);";

/** The bundle every function gets. */
export const LAMBDA_BUNDLE = {
  /** Lambda's nodejs22.x runtime. */
  target: 'node22',
  format: 'esm',
  /** Prefer packages' ESM builds: they tree-shake, CommonJS builds do not. */
  mainFields: ['module', 'main'],
  minify: true,
  /** External source maps without sources: small, and stack traces still name the .ts files. */
  sourceMap: true,
  sourcesContent: false,
  /**
   * Bundle the AWS SDK too rather than use the runtime's copy: the deployed code then runs the SDK
   * versions it was tested with, and @smithy packages imported directly cannot mismatch it.
   */
  externalModules: [] as string[],
  banner: ESM_REQUIRE_BANNER,
  /**
   * Every dynamic `import()` becomes a chunk of its own beside `index.mjs`, read and evaluated only when
   * it is first imported: the API's route groups, its SDK clients and the kubeconfig parser stay out of
   * its cold start. (One esbuild build per function, so chunks are never shared between functions.)
   */
  splitting: true,
  chunkNames: '[name]-[hash]',
} as const;

/**
 * Stack traces through the source maps, mapped when a stack is first formatted (`infra/lazy-source-maps.ts`,
 * injected into every bundle), rather than with Node's `--enable-source-maps`, which reads and decodes the
 * whole map when the module loads: about as long as parsing the bundle, at every cold start
 * (`bench/coldstart.bench.ts` measures both).
 */
export const LAZY_SOURCE_MAPS = './infra/lazy-source-maps.ts';

/** Environment the runtime needs for the bundle: none (stack traces are mapped by {@link LAZY_SOURCE_MAPS}). */
export const BUNDLE_RUNTIME_ENV: Record<string, string> = {};

/** What Node was started with before: maps read with the module (the bench compares). */
export const EAGER_SOURCE_MAPS_NODE_OPTIONS = '--enable-source-maps';

/**
 * esbuild options for {@link LAMBDA_BUNDLE}: `entries` to `<outdir>/<out>.mjs`, their chunks beside them.
 * Chunks are shared between the entries of one build: one function's bundle is one build.
 */
export function esbuildOptions(entries: { in: string; out: string }[], outdir: string): BuildOptions {
  return {
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    format: LAMBDA_BUNDLE.format,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourceMap,
    sourcesContent: LAMBDA_BUNDLE.sourcesContent,
    external: [...LAMBDA_BUNDLE.externalModules],
    banner: { js: LAMBDA_BUNDLE.banner },
    splitting: LAMBDA_BUNDLE.splitting,
    chunkNames: LAMBDA_BUNDLE.chunkNames,
    alias: bundleAliases(),
    inject: [LAZY_SOURCE_MAPS],
    logLevel: 'warning',
  };
}
