export {
  RESOURCE_TYPES,
  type Expected,
  type ExpectedAttribute,
  type GossCheck,
  type GossExec,
  type GossExecResult,
  type GossFormat,
  type GossFormatOption,
  type GossResult,
  type GossSuite,
  type LoadOptions,
  type Outcome,
  type ResourceType,
  type RunOptions,
  type Where,
} from './types.js'
export { GossfileError } from './errors.js'
export { loadGossfile, parseGossfile, renderSuite } from './load.js'
export { runGossSuite, execOver } from './run.js'
export { formatTable, toJUnit, formatResults, summarize, type GossSummary } from './format.js'
export { renderTemplate, TemplateExecError, TemplateSyntaxError, type RenderResult } from './template/exec.js'
