/**
 * Bundles one handler exactly as the stack does (same esbuild options, same copied assets), outside
 * CDK: for the bundle-size test and the cold-start benchmark.
 */
import { build } from 'esbuild';
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
}

const RELATIVE_URL = /new URL\(\s*["']([^"'/:]+)["']\s*,\s*import\.meta\.url\s*\)/g;

/** Bundles each handler into `outDir/<id>/index.mjs` (one esbuild build) and copies its assets beside it. */
export async function bundleHandlers(projectRoot: string, handlers: readonly HandlerDefinition[], outDir: string): Promise<HandlerBundle[]> {
  const entries = handlers.map((h) => ({ in: join(projectRoot, h.entry), out: `${h.id}/index` }));
  await build({ ...esbuildOptions(entries, outDir), logLevel: 'error' });
  return handlers.map((h) => describeBundle(projectRoot, h, outDir));
}

function describeBundle(projectRoot: string, handler: HandlerDefinition, outDir: string): HandlerBundle {
  const dir = join(outDir, handler.id);
  const file = join(dir, 'index.mjs');
  const copiedAssets = (handler.assets ?? []).map((asset) => {
    copyFileSync(join(projectRoot, asset), join(dir, basename(asset)));
    return basename(asset);
  });
  const text = readFileSync(file, 'utf8');
  return {
    handlerId: handler.id,
    file,
    bytes: statSync(file).size,
    sourceMapBytes: statSync(`${file}.map`).size,
    relativeUrls: [...new Set([...text.matchAll(RELATIVE_URL)].map((m) => m[1]))].sort(),
    copiedAssets,
  };
}
