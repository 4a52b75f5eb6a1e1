// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * `process.env` is read in one place per program: its config module (`config.ts` / `env.ts`), a tool's
 * own config file (`*.config.ts`), or a test. Everything else gets its settings passed in (STYLE.md).
 */
const envOnlyInConfig = {
  'no-restricted-properties': [
    'error',
    {
      object: 'process',
      property: 'env',
      message: 'Read process.env only in a config module (config.ts / env.ts) and pass the values in.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/out/**',
      '**/dist/**',
      '.sst/**',
      '.data/**',
      '**/test-results/**',
      '**/playwright-report/**',
      'sst-env.d.ts',
      '**/next-env.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig that covers it; sst.config.ts (no tsconfig above
        // it) with the default project.
        projectService: {
          allowDefaultProject: ['sst.config.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Start/stop code hands promises to event emitters on purpose (`void stop()`); an explicit
      // `void` is the marker that the rejection is handled inside.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          ignoreVoid: true,
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
        },
      ],
      ...envOnlyInConfig,
    },
  },
  {
    // Plain JavaScript (this file) is in no tsconfig: no type-aware rules there.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // SST's component types come from .sst/platform/config.d.ts, which `sst install` writes (check:infra
    // runs it after lint); until then `$config`, `sst` and `$interpolate` are `any` to the linter.
    files: ['sst.config.ts', 'infra/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/config.ts', '**/env.ts', '**/*.config.ts', '**/*.config.js', '**/*.test.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
