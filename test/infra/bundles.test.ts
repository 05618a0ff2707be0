import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandlers, type HandlerBundle } from '../../infra/bundle-handler.js';
import { deployableHandlers } from '../../infra/handler-catalog.js';
import { PROJECT_ROOT } from './support/synth-meshplane.js';

/** Generous ceiling: Lambda allows 250 MB unzipped, but a bundle this size means a dependency exploded. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

describe('handler bundles (the stack esbuild options)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'meshplane-bundles-'));
  const bundles: HandlerBundle[] = [];

  beforeAll(async () => {
    bundles.push(...(await bundleHandlers(PROJECT_ROOT, deployableHandlers(PROJECT_ROOT), outDir)));
    console.log(bundles.map((b) => `${b.handlerId}: ${(b.bytes / 1024).toFixed(0)} KiB (map ${(b.sourceMapBytes / 1024).toFixed(0)} KiB)`).join('\n'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(`keeps every handler bundle under ${MAX_BUNDLE_BYTES / 1024 / 1024} MB`, () => {
    expect(bundles.length).toBeGreaterThanOrEqual(5);
    for (const b of bundles) expect(b.bytes, b.handlerId).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it('ships every file a bundle loads relative to itself (e.g. highs.wasm)', () => {
    for (const b of bundles) expect(b.copiedAssets.sort(), b.handlerId).toEqual(b.relativeUrls);
  });

  it('produces ES modules that define require for bundled CommonJS', () => {
    for (const b of bundles) {
      const head = readFileSync(b.file, 'utf8').slice(0, 400);
      expect(head, b.handlerId).toContain('createRequire');
      expect(head, b.handlerId).toContain('import.meta.url');
    }
  });
});
