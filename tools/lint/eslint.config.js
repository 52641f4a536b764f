import js from '@eslint/js'
import importX, { createNodeResolver } from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

/**
 * The repo's lint rules: typescript-eslint's recommended set (syntax only, no type information:
 * the repo compiles with TypeScript 7, which typescript-eslint cannot load), no import cycles
 * inside a package, and the few style rules prettier does not cover. Unused exports are knip's
 * job (knip.json at the root).
 */
export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', 'packages/*/test/fixtures/**', '**/.tsimg/**'],
  },
  // A `// eslint-disable` for a rule that is off here (no-explicit-any) is no error.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Relative imports name the compiled file (`./steps.js`); the source is `./steps.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
      // no-cycle follows imports into other files: it parses them as the linter does.
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'smart'],
      // `const self = this` reaches a class's private fields from a stream's callbacks.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // Plugin boundaries (a template's sources of any option type, SDK models) need `any`;
      // strict tsc checks the rest.
      '@typescript-eslint/no-explicit-any': 'off',
      // The template code marks interpolations with \x01..\x03 on purpose, and tests match ANSI escapes.
      'no-control-regex': 'off',
    },
  },
)
