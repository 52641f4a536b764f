export { shell } from './shell.js'
export { shellSchema, type ShellOptions } from './options.js'
