export { build, collectSecrets, type BuildOptions, type BuildRunResult, type BuildSummary } from './build.js'
export {
  inspect,
  validate,
  type TemplateInfo,
  type TemplateInfoOptions,
  type TemplatePluginInfo,
  type TemplateSourceInfo,
  type TemplateVariableInfo,
} from './info.js'
export { matchesBuild, selectSources } from './select.js'
export { newBuildId } from './build-id.js'
