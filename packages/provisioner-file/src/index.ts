export { file } from './file.js'
export { fileSchema, type FileOptions } from './options.js'
