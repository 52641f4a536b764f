import type { BaseState, CommonProvisionerOptions, GeneratedData, PostProcessorPlugin, ProvisionerPlugin, SourcePlugin } from '../plugin/types.js'
import type { Step } from '../runner/step.js'

/**
 * Build-time values in image.ts: values a build only has while it runs (the instance id, the
 * source AMI's name), written in option strings as Packer writes them, `{{ .SourceAMIName }}`.
 * `lateSource()` and `lateProvisioner()` fill them in when the build has them; anywhere else
 * the placeholder would reach the cloud as text, so only these two read it.
 */

/** `{{ .Name }}`: a build-time value inside an option string. */
const BUILD_VALUE = /\{\{\s*\.(\w+)\s*\}\}/g

/** Placeholders plugins fill themselves (shell's execute_command `{{ .Vars }} {{ .Path }}`): never build values. */
const PLUGIN_PLACEHOLDERS = new Set(['Vars', 'Path', 'Script'])

/** Names a builder makes; others are allowed (`(string & {})`) since each builder adds its own. */
export type BuildValueName =
  | 'BuildName'
  | 'BuilderType'
  | 'ID'
  | 'Host'
  | 'Port'
  | 'User'
  | 'ConnType'
  | 'Password'
  | 'SSHPublicKey'
  | 'SSHPrivateKey'
  | 'WinRMPassword'
  | 'SourceImage'
  | 'SourceAMI'
  | 'SourceAMIName'
  | (string & {})

/** The placeholder for a build-time value, to put in an option string: `Base: buildValue('SourceAMIName')`. */
export function buildValue(name: BuildValueName): string {
  return `{{ .${name} }}`
}

/** The build-time values a value (string, list or object, deeply) refers to. */
export function buildValueNames(v: unknown, found: Set<string> = new Set()): string[] {
  if (typeof v === 'string') {
    for (const m of v.matchAll(BUILD_VALUE)) if (!PLUGIN_PLACEHOLDERS.has(m[1]!)) found.add(m[1]!)
  } else if (Array.isArray(v)) v.forEach((x) => buildValueNames(x, found))
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => buildValueNames(x, found))
  return [...found]
}

/** Replaces the placeholders `get` knows (deeply); the others stay for later. */
export function fillBuildValues<T>(v: T, get: (name: string) => unknown): T {
  if (typeof v === 'string')
    return v.replace(BUILD_VALUE, (m, n: string) => (PLUGIN_PLACEHOLDERS.has(n) ? m : ((x) => (x === undefined ? m : String(x)))(get(n)))) as T
  if (Array.isArray(v)) return v.map((x) => fillBuildValues(x, get)) as T
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillBuildValues(x, get)])) as T
  return v
}

/** What every build knows about itself, before its builder makes anything. */
function buildFacts(build: { sourceName: string; sourceType: string }): GeneratedData {
  return { BuildName: build.sourceName || build.sourceType, BuilderType: build.sourceType }
}

/**
 * A source whose options hold build-time values (amazon-ebs `tags`, `snapshotTags`...):
 * before each of its steps runs, the named options (by default every option holding a
 * placeholder) are filled with the values the build has made so far, in the options object
 * the builder's steps read. Only options a builder reads after making the value can use it.
 *
 *   lateSource(amazonEbs({ ..., tags: { Base: '{{ .SourceAMIName }}' } }))
 */
export function lateSource<P extends SourcePlugin<any, any>>(plugin: P, options?: readonly Extract<keyof P['options'], string>[]): P {
  const opts = plugin.options as Record<string, unknown>
  const late: readonly string[] = options ?? Object.keys(opts).filter((k) => buildValueNames(opts[k]).length)
  // Each build starts from the placeholders again, so a source kept across runs is filled afresh.
  const written = Object.fromEntries(late.map((k) => [k, opts[k]]))
  return {
    ...plugin,
    async steps(ctx) {
      for (const k of late) opts[k] = written[k]
      const facts = buildFacts(ctx.build)
      return (await plugin.steps(ctx)).map((step) =>
        step
          ? ({
              ...step,
              run: (sctx) => {
                for (const k of late) opts[k] = fillBuildValues(opts[k], (n) => facts[n] ?? sctx.state.generated[n])
                return step.run(sctx)
              },
            } satisfies Step<BaseState>)
          : step,
      )
    },
  }
}

/**
 * A provisioner whose options hold build-time values (`echo {{ .ID }}`): made from `options`
 * for validation, and made again with the values filled in when it runs on a build. A value
 * the build's builder does not make is an error then, rather than text sent to the machine.
 *
 *   lateProvisioner(shell, { inline: ['echo built from {{ .SourceAMIName }}'] })
 */
export function lateProvisioner<O extends CommonProvisionerOptions>(make: (options: O) => ProvisionerPlugin<O>, options: O): ProvisionerPlugin<O> {
  const plugin = make(options)
  return {
    ...plugin,
    async provision(ctx) {
      const facts: GeneratedData = { ...buildFacts(ctx.build), ...ctx.generated }
      const filled = fillBuildValues(options, (name) => {
        const v = facts[name]
        if (v === undefined) throw new Error(`build-time value .${name} was not made by the ${ctx.build.sourceType} builder`)
        return v
      })
      return make(filled).provision(ctx)
    },
  }
}

/**
 * A post-processor whose options hold build-time values (`{{ .BuildName }}`, HCL's
 * `source.name`, JSON's `{{ build `SourceAMIName` }}` in a manifest's custom_data): it is made
 * again for each build's artifact, with the values that build made filled in, as Packer does.
 *
 *   latePostProcessor(manifest, { customData: { source: buildValue('SourceAMIName') } })
 */
export function latePostProcessor<O>(make: (options: O) => PostProcessorPlugin<O>, options: O): PostProcessorPlugin<O> {
  const plugin = make(options)
  return {
    ...plugin,
    postProcess(artifact, ctx) {
      const facts: GeneratedData = { ...buildFacts(ctx.build), ...ctx.generated }
      const filled = fillBuildValues(options, (name) => {
        const v = facts[name]
        if (v === undefined) throw new Error(`build-time value .${name} was not made by the ${ctx.build.sourceType} builder`)
        return v
      })
      return make(filled).postProcess(artifact, ctx)
    },
  }
}
