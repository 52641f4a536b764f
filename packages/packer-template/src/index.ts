export { loadPackerTemplate, readPackerTemplate, loadPkrVars, type LoadOptions } from './load.js'
export { convertTemplate } from './convert.js'
export { supportedTypes } from './plugins/registry.js'
export type { PluginMapping, FieldTable, Field, FieldType } from './plugins/table.js'
