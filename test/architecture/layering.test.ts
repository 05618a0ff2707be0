import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

/** Resolves a relative import to a path from the project root (e.g. `lib/ports/clock.ts`). */
function resolved(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, join(file, '..', spec)).replace(/\.js$/, '.ts') : spec;
}

function violations(dir: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(join(ROOT, dir)).flatMap((file) =>
    importsOf(file)
      .map((spec) => resolved(file, spec))
      .filter(forbidden)
      .map((target) => `${relative(ROOT, file)} imports ${target}`),
  );
}

const SDKS = (t: string) => t.startsWith('@aws-sdk/') || t.startsWith('@smithy/') || t.startsWith('@kubernetes/client-node') || t === 'highs' || t.startsWith('aws-cdk-lib');

describe('layering', () => {
  it('lib/ never imports functions/, infra/ or cli/', () => {
    expect(violations('lib', (t) => /^(functions|infra|cli)\//.test(t))).toEqual([]);
  });

  it('use cases talk to ports: no AWS SDK, client-node or adapter imports', () => {
    expect(violations('lib/usecases', (t) => SDKS(t) || t.startsWith('lib/adapters/') || t.startsWith('lib/local/') || t.startsWith('lib/sim/'))).toEqual([]);
  });

  it('the model, ports and pure decision modules import no SDK and no adapter', () => {
    for (const dir of ['lib/model', 'lib/ports', 'lib/mesh', 'lib/health']) {
      expect(violations(dir, (t) => SDKS(t) || t.startsWith('lib/adapters/')), dir).toEqual([]);
    }
  });

  it('handlers stay thin: functions/ call no SDK directly', () => {
    expect(violations('functions', (t) => t.startsWith('@aws-sdk/') || t.startsWith('@kubernetes/'))).toEqual([]);
  });

  it('the check itself sees imports (guards against a regex that matches nothing)', () => {
    const all = sourceFiles(join(ROOT, 'lib')).flatMap(importsOf);
    expect(all.length).toBeGreaterThan(50);
    expect(all).toContain('zod');
  });
});
