// Lint rules: typescript-eslint recommended, the purity rule for src/formats, the box boundaries of src/,
// and no outbound HTTP outside src/http.
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
    // the portal's pages run in the browser
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    // boxes never import each other; every folder is entered through its index.ts
    files: ['src/**/*.ts'],
    plugins: { fedstack },
    rules: { 'fedstack/box-boundaries': 'error' },
  },
  {
    // one outbound HTTP layer: timeouts, retries, CA bundles and redaction live in src/http only
    files: ['src/**/*.ts'],
    ignores: ['src/http/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'send requests through src/http (httpRequest or HttpClient)' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'globalThis', property: 'fetch', message: 'send requests through src/http' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:http', 'node:https', 'http', 'https', 'undici'].map((name) => ({
            name,
            message: 'send requests through src/http (httpRequest or HttpClient)',
          })),
        },
      ],
    },
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
