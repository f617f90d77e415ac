// The lint rules: few, and each one about correctness or reading, not taste (Prettier owns the layout).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'always'],
      // Off: async functions without await are how interfaces that return promises are met here,
      // and methods passed by reference are bound or do not use `this`.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-console': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Folders meet through their faces (index.ts): the contracts, the platform, and each service's public parts.
  {
    files: ['gateway/**/*.ts', 'write-service/**/*.ts', 'read-service/**/*.ts', 'platform/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(\.\./)+(schema|platform|gateway|write-service|read-service)/(?!index\.js$|postgres/index\.js$|telemetry/index\.js$)`,
              message: 'Import another folder through its face (its index.ts); tests may reach further.',
            },
          ],
        },
      ],
    },
  },
  // Command-line tools, the benchmark and the fault suite's table talk to a terminal.
  {
    files: ['scripts/**/*.ts', 'bench/**/*.ts', 'tests/faults/run-suite.ts', 'tests/faults/fault-table.ts'],
    rules: { 'no-console': 'off' },
  },
  // Tests and the benchmark read answers parsed from JSON, typed as loosely as the checks need.
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
