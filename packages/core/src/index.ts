// `@tsimg/core`: what an image.ts imports. The template itself (defineTemplate, variables, the
// helpers Packer templates call), the plugins the core ships (ssh and null sources, the
// breakpoint and shell-local provisioners, the manifest and shell-local post-processors), the
// wrappers that fill build-time values in, and the types a template names.
// Library callers (build, validate, inspect, cleanup) import `@tsimg/core/node`; plugin authors
// `@tsimg/core/plugin`. Named exports only: a name added here is a promise to template authors.

export {
  defineTemplate,
  type Falsy,
  type TemplateBuild,
  type TemplateContext,
  type TemplateDefinition,
  type TemplateModule,
  type RenderVariablesContext,
} from './template/define.js'
export { variable, type VariableDef, type VariableDefs, type VariableKind, type VariableOptions, type VariableValues } from './template/variables.js'
export { env, timestamp, uuid } from './template/helpers.js'
export { packerJson } from './template/packer-json.js'
export { formatdate, isotime, type TimeInput } from './template/time-formats.js'
export { buildValue, lateSource, lateProvisioner, latePostProcessor, type BuildValueName } from './template/build-values.js'

export { sshHost, type SshHostOptions } from './builders/ssh-host.js'
export { nullSource, type NullSourceOptions } from './builders/null-source.js'
export type { SshOptions, HostKeyPolicy } from './ssh/options.js'

export { breakpoint, type BreakpointOptions } from './provision/breakpoint.js'
export { shellLocalProvisioner, type ShellLocalProvisionerOptions } from './provision/shell-local.js'
export type { CommonProvisionerOptions, PostProcessorPlugin, ProvisionerPlugin, SourcePlugin } from './plugin/types.js'

export { manifest, type ManifestOptions } from './post-processors/manifest.js'
export { shellLocal, type ShellLocalOptions } from './post-processors/shell-local.js'
export { scopedPostProcessor } from './post-processors/scoped.js'

// The verify phase: checks run on a machine of the new image (`verify` of a build).
export { commandCheck, type CommandCheckOptions } from './verify/command-check.js'
export type { CheckResult, VerifyPlugin, VerifySpec } from './verify/types.js'
