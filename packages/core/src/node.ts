// `@tsimg/core/node`: tsimg as a library, for scripts and tools that run builds. What the CLI's
// build, validate, inspect and cleanup commands call, the events a build reports and the
// renderers that print them as the CLI does, and the errors a caller can tell apart.
// Templates import `@tsimg/core`; plugin authors `@tsimg/core/plugin`.

export { build, type BuildOptions, type BuildRunResult, type BuildSummary } from './build/build.js'
export {
  inspect,
  validate,
  type TemplateInfo,
  type TemplateInfoOptions,
  type TemplatePluginInfo,
  type TemplateSourceInfo,
  type TemplateVariableInfo,
} from './build/info.js'
export { prepareTemplate, type PrepareOptions, type PreparedTemplate } from './template/prepare.js'
export { cleanupLeftovers, type CleanupLeftoversOptions, type CleanupReport, type LeftoverFailure } from './journal/cleanup.js'
export { sweepTagged, type SweepOptions, type SweepReport } from './journal/sweep.js'

export type { BuildEvent, EventSink, UiLevel } from './ui/events.js'
export { nonInteractive, type Prompter } from './ui/ui.js'
export { TextRenderer, type TextRendererOptions } from './ui/render-text.js'
export { MachineRenderer } from './ui/render-machine.js'
export type { Renderer, RenderedBuild } from './ui/render-common.js'
export { ON_ERROR_VALUES, type OnError } from './runner/wrappers.js'
export type { Artifact, GeneratedData } from './plugin/types.js'
export type { ManifestBuild, ManifestFile } from './post-processors/manifest.js'
// The verify phase's results (BuildSummary.checks), as the CLI prints and writes them.
export type { CheckResult } from './verify/types.js'
export { formatResultsTable, resultsToJUnit } from './verify/format.js'

export { TsimgError, TemplateError, CancelledError } from './errors.js'
