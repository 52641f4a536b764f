// ESLint's rules live in tools/lint (a workspace of its own: see its package.json for why).
export { default } from './tools/lint/eslint.config.js'
