import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IReporterOutput } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';

// The layering rules live in .dependency-cruiser.cjs (each with the reason it exists); `npm run lint` checks them
// too. This runs the same check inside the test suite, so a forbidden import fails `npm test` as well.
const ROOT = join(import.meta.dirname, '..', '..');

let result: ICruiseResult;

beforeAll(async () => {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
    const tsConfig = extractTSConfig('tsconfig.json');
    const output: IReporterOutput = await cruise(['lib', 'functions', 'infra', 'cli', 'bench'], options, undefined, { tsConfig });
    result = output.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}, 120_000);

describe('layering (dependency-cruiser, rules in .dependency-cruiser.cjs)', () => {
  it('no module breaks a layering rule and there is no import cycle', () => {
    const violations = result.summary.violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`,
    );
    expect(violations).toEqual([]);
  });

  it('the check sees the code: every lib/ source is cruised and `.js` specifiers resolve to the `.ts` files', () => {
    const onDisk = (readdirSync(join(ROOT, 'lib'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => `lib/${f}`);
    const cruised = new Set(result.modules.map((m) => m.source));
    expect(onDisk.filter((f) => !cruised.has(f))).toEqual([]);
    const mutate = result.modules.find((m) => m.source === 'lib/usecases/shared/mutate.ts');
    expect(mutate?.dependencies.map((d) => d.resolved)).toContain('lib/model/records.ts');
    expect(result.summary.ruleSetUsed?.forbidden?.map((r) => r.name)).toEqual(
      expect.arrayContaining(['no-cycles', 'ports-import-only-model', 'model-imports-nothing-of-ours', 'no-imports-between-usecase-folders']),
    );
  });
});
