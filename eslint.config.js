// Lint rules: typescript-eslint recommended, the purity rule for src/formats, and the box boundaries of src/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import fedstack from './eslint/box-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // boxes never import each other; every folder is entered through its index.ts
    files: ['src/**/*.ts'],
    plugins: { fedstack },
    rules: { 'fedstack/box-boundaries': 'error' },
  },
  {
    // codecs are pure: no I/O, no clock, no randomness, no environment
    files: ['src/formats/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:fs*',
            'node:net',
            'node:http*',
            'node:child_process',
            'fs',
            'net',
            'http',
            'https',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'fetch', 'process'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pass "now" in from the caller' },
        { object: 'Math', property: 'random', message: 'pass ids/randomness in from the caller' },
      ],
    },
  },
);
