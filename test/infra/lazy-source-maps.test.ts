import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_RUNTIME_ENV, esbuildOptions } from '../../infra/bundling.js';
import { PROJECT_ROOT } from './support/synth-meshplane.js';

/** Runs `script` in a fresh Node with the functions' environment; `bundle` is imported as `m`. */
function node(bundle: string, script: string, nodeOptions = BUNDLE_RUNTIME_ENV.NODE_OPTIONS ?? ''): string {
  const code = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});\n${script}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' });
}

describe('stack traces of the bundles (infra/lazy-source-maps.ts)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'meshplane-lazy-maps-'));
  const bundle = join(outDir, 'throws', 'index.mjs');
  const split = join(outDir, 'lazily', 'index.mjs');

  beforeAll(async () => {
    for (const [fixture, out] of [
      ['throws', 'throws'],
      ['throws-lazily', 'lazily'],
    ])
      await build({
        ...esbuildOptions([{ in: join(PROJECT_ROOT, `test/infra/fixtures/${fixture}.ts`), out: 'index' }], join(outDir, out)),
        absWorkingDir: PROJECT_ROOT,
      });
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('name the TypeScript file and line of each frame, without --enable-source-maps', () => {
    const stack = node(bundle, 'console.log(await m.handler());');
    expect(stack).toContain('Error: thrown at depth 1');
    expect(stack).toMatch(/at \S*deep \(\S*test\/infra\/fixtures\/throws\.ts:5:11\)/);
    expect(stack).toMatch(/throws\.ts:11:\d+\)/);
    expect(stack).not.toMatch(/index\.mjs:\d+/);
  });

  it("map the frames of a chunk (a dynamic import) through that chunk's own map", () => {
    expect(readdirSync(dirname(split)).filter((f) => f.endsWith('.mjs')).length).toBeGreaterThan(1);
    const stack = node(split, 'console.log(await m.handler());');
    expect(stack).toMatch(/at \S*deep \(\S*test\/infra\/fixtures\/throws\.ts:5:11\)/);
    expect(stack).toMatch(/throws-lazily\.ts:3:\d+\)/);
    expect(stack).not.toMatch(/\.mjs:\d+/);
  });

  it('read the source map only when a stack is first formatted, not when the bundle loads', () => {
    // Loaded, then the map moved away: a map read at load would still map the frames.
    const stack = node(
      bundle,
      `(await import('node:fs')).renameSync(${JSON.stringify(`${bundle}.map`)}, ${JSON.stringify(`${bundle}.gone`)}); console.log(await m.handler());`,
    );
    renameSync(`${bundle}.gone`, `${bundle}.map`);
    expect(stack).toContain('Error: thrown at depth 1');
    expect(stack).toMatch(/index\.mjs:\d+:\d+/);
  });

  it('leave Node its own mapping under --enable-source-maps', () => {
    const stack = node(bundle, 'console.log(await m.handler());', '--enable-source-maps');
    expect(stack).toMatch(/throws\.ts:5:11\)/);
  });
});
