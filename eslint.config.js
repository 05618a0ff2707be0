// ESLint flat config. typescript-eslint's `recommended` (syntax only, not type-checked, so `npm run lint` stays fast)
// plus import-x for the import graph: no cycles, no self-imports, no duplicate imports of one module.
// Layering (which folder may import which) is dependency-cruiser's job: see .dependency-cruiser.cjs.
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '**/*.golden.*', 'test/**/golden/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    plugins: { 'import-x': importX },
    // Sources import `./x.js` for `x.ts` (NodeNext): the resolver maps the extension back.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      // A leading underscore names a value dropped on purpose (`const { status: _ignored, ...rest } = object`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `let dispatch; … (x) => dispatch(x) …; dispatch = …` is a forward reference, not a missed const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Code lines at most 160 characters; long strings, template literals, URLs and regexes may run on
      // (breaking an error message or a YAML fixture in the middle reads worse than a long line).
      'max-len': [
        'error',
        { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreComments: true },
      ],
      // `import { z } from 'zod'` makes esbuild keep zod's whole `z` object (every locale, the JSON-schema
      // converters: 454 KiB of each Lambda bundle); `import * as z` lets it drop what no code calls (~100 KiB).
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']",
          message: "import * as z from 'zod' (tree-shakes; the named `z` bundles all of zod).",
        },
      ],
    },
  },
  {
    // The simulated cluster holds arbitrary Kubernetes JSON (`type Obj = Record<string, any>`), the CLI and the
    // tests read API and SDK responses they poke into, and benches do the same: `any` there is what the data is.
    files: ['lib/sim/**', 'cli/**', 'bench/**', 'test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
