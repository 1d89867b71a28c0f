import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code is replayed from history, so it must be deterministic: no I/O, no Node
// built-ins, no clients. Only types may be imported from the modules that do I/O.
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);
const workflowForbiddenImports = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow code is replayed and must not do I/O: move this to an activity.',
  })),
  patterns: [
    {
      group: [
        '@temporalio/client',
        '@temporalio/worker',
        '@temporalio/activity',
        '@temporalio/testing',
        '@google-cloud/*',
        '@kubernetes/*',
        '**/activities/*',
        '**/activities',
        '**/cloud/*',
        '**/cloud',
        '**/cases/*',
        '**/lab/*',
      ],
      allowTypeImports: true,
      message: 'Workflow code may import only types from modules that do I/O.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // State that handlers read before the main flow assigns it cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console runs in the browser: its globals, not Node's.
    files: ['src/server/console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', history: 'readonly', fetch: 'readonly', FormData: 'readonly', URLSearchParams: 'readonly', Node: 'readonly', EventSource: 'readonly', encodeURIComponent: 'readonly' },
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    ignores: ['src/workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', workflowForbiddenImports],
      '@typescript-eslint/no-restricted-imports': 'off',
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'fetch', 'XMLHttpRequest', 'WebSocket', 'setInterval', 'setImmediate'].map(
          (name) => ({ name, message: `${name} is I/O or host state; workflow code must stay deterministic.` }),
        ),
      ],
    },
  },
);
