import {
  scopedPostProcessor,
  lateProvisioner,
  latePostProcessor,
  lateSource,
  packerJson,
  variable,
  type PostProcessorPlugin,
  type ProvisionerPlugin,
  type SourcePlugin,
  type TemplateBuild,
  type TemplateDefinition,
  type VariableDef,
} from '@tsimg/core'
import {
  TemplateError,
  buildValueNames,
  describeIssue,
  namesPostProcessor,
  selectsBuild,
  type Artifact,
  type SchemaIssue,
  type ValidateContext,
} from '@tsimg/core/plugin'
import { applyDataSources } from './data-sources.js'
import { EvalError, packerError } from './errors.js'
import { code } from './functions.js'
import { checkProvisionerLateValues, checkSourceLateValues } from './late-values.js'
import { mapOptions, type Origins } from './map-options.js'
import type { EvalContext, EvalSession, PackerPlugin, PackerTemplate, PackerVariable } from './model.js'
import { convertValue, parseType, typeName } from './hcl/types.js'
import { hclVariable } from './hcl/variable.js'
import { renderJsonVariables } from './json/variables.js'
import { findMapping, unsupportedPlugin } from './plugins/registry.js'
import type { PluginMapping } from './plugins/table.js'

type AnyPlugin = SourcePlugin<any, any> | ProvisionerPlugin<any> | PostProcessorPlugin<any>
type Factory = (options: Record<string, unknown>) => AnyPlugin

/** Packer names the loader reads itself rather than passing to the plugin. */
const LOADER_KEYS = new Set(['type', 'name', 'only', 'except', 'override'])

/**
 * Every builder, provisioner and post-processor must be one tsimg has: checked before variables
 * are even resolved. `sources: false` leaves the builders to the build function, which checks
 * only the ones the run selects (Packer looks up and prepares only the builds -only/-except pick).
 */
export function checkPluginTypes(t: PackerTemplate, opts: { sources?: boolean } = {}): void {
  const sources = opts.sources === false ? [] : t.sources
  for (const p of [...sources, ...t.provisioners, ...(t.errorCleanupProvisioner ? [t.errorCleanupProvisioner] : []), ...t.postProcessors]) {
    if (!findMapping(p.kind, p.type)) throw unsupported(p)
  }
}

function unsupported(p: PackerPlugin): TemplateError {
  const u = unsupportedPlugin(p.kind, p.type)
  return packerError({ file: p.file, line: p.line }, p.origin, u.message, u.hint)
}

/** The name parts a source's build is selected by, the same the made plugin carries. */
function sourceNaming(p: PackerPlugin, format: PackerTemplate['format']): { type: string; name: string; buildPrefix?: string; buildName?: string } {
  const type = findMapping('source', p.type)?.tsimgType ?? p.type
  return { type, name: p.name ?? p.type, ...buildNaming(p, format) }
}

/** A post-processor -except skips: passes its artifact on, checks nothing; the one it names carries the name. */
function skippedPostProcessor(p: PackerPlugin, named: boolean): PostProcessorPlugin<any> {
  return { kind: 'post-processor', type: p.type, ...(named ? { name: p.name! } : {}), options: {}, postProcess: (artifact) => Promise.resolve(artifact) }
}

/** Whether -only/-except (matched as the engine matches them) select the source's build. */
function isSelected(
  p: PackerPlugin,
  format: PackerTemplate['format'],
  sel: { readonly only?: readonly string[]; readonly except?: readonly string[] },
): boolean {
  return selectsBuild(sourceNaming(p, format), sel.only, sel.except)
}

/**
 * A builder the run's -only/-except leaves out (or, under inspect, one tsimg does not have):
 * listed under its build name so the patterns and provisioners' only/except still match it,
 * with no options to check; the engine never runs it (it is not selected), nor can it.
 */
function skippedSource(p: PackerPlugin, format: PackerTemplate['format']): SourcePlugin<any, any> {
  const naming = sourceNaming(p, format)
  return {
    kind: 'source',
    ...naming,
    options: {},
    steps: () => {
      throw new Error(`${p.origin} (${p.type}) was not selected by -only/-except: it is not checked and cannot run`)
    },
    initialState: () => ({}) as never,
  }
}

/**
 * Turns a Packer template into what an image.ts default-exports: typed variables and a build
 * function that evaluates every value with the resolved variables and makes the plugins
 * through their factories, so the plugins' own schemas check the values.
 */
export function toDefinition(
  t: PackerTemplate,
  run: {
    cwd: string
    env: NodeJS.ProcessEnv
    timestamp: number
    select?: { readonly only?: readonly string[]; readonly except?: readonly string[]; readonly inspecting?: boolean }
  },
): TemplateDefinition {
  checkPluginTypes(t, { sources: false })
  // A builder the run selects is looked up now, before any variable is needed (without a
  // selection: every builder); inspect looks up none. A JSON name made of variables waits for them.
  const sel = run.select ?? {}
  if (!sel.inspecting) {
    for (const s of t.sources) if (!s.name?.includes('{{') && isSelected(s, t.format, sel) && !findMapping('source', s.type)) throw unsupported(s)
  }
  const base: EvalContext = { mode: 'run', vars: {}, timestamp: run.timestamp, cwd: run.cwd, env: run.env }
  const defaults = t.evaluator.begin({ ...base, defaults: true })
  const variables: Record<string, VariableDef<any>> = {}
  for (const v of t.variables) {
    const at = { file: v.file, line: v.line }
    const dflt = v.default === undefined ? undefined : guard(() => defaults.value(v.default, at.file, v.line), at.file, `variable "${v.name}".default`)
    const validate = v.validations.length
      ? (value: unknown) => {
          const s = t.evaluator.begin({ ...base, vars: { [v.name]: value } })
          for (const rule of v.validations) {
            if (s.value(rule.condition, at.file, rule.line) !== true)
              return `${String(s.value(rule.message, at.file, rule.line))} (validation at ${at.file}:${rule.line})`
          }
          return true
        }
      : undefined
    const options = {
      ...(dflt === undefined || dflt === null ? {} : { default: (v.hclType ? typedDefault(v, dflt) : dflt) as never }),
      ...(v.description ? { description: v.description } : {}),
      ...(v.sensitive ? { sensitive: true } : {}),
      ...(validate ? { validate } : {}),
    }
    // HCL's `default = null`: the variable is optional and its value is null (an option set to it is left unset), as in Packer.
    const hclNull = t.format === 'hcl' && v.default !== undefined && dflt === null
    variables[v.name] = hclNull
      ? hclVariable(v.hclType ?? parseType('any'), { ...options, default: null as never })
      : v.hclType
        ? hclVariable(v.hclType, options)
        : t.format === 'json'
          ? packerJson.variable(options)
          : variable[v.kind](options)
  }
  const at = (name: string) => t.variables.find((v) => v.name === name) ?? { file: t.files[0]!, line: 1 }
  return {
    variables,
    // Packer resolves a template's relative paths (scripts, file sources, user_data_file,
    // playbook_file...) from the directory it runs in, not from the template's.
    baseDir: '.',
    // Packer users know PKR_VAR_x (tsimg reads it, and TSIMG_VAR_x).
    envPrefix: 'PKR_VAR_',
    // Packer JSON's {{user}} reads a var-file's value for a name the template does not declare.
    ...(t.format === 'json' ? { keepUndeclaredVarFileValues: true } : {}),
    ...(t.autoVarFiles?.length ? { autoVarFiles: t.autoVarFiles } : {}),
    // Packer JSON renders {{user}}, {{env}}... in every variable's value before the build: so do build and inspect.
    ...(t.format === 'json'
      ? { renderVariables: (values, ctx) => renderJsonVariables(values, ctx, { evaluator: t.evaluator, file: t.files[0]!, lineOf: (n) => at(n).line }) }
      : {}),
    build: async (ctx): Promise<TemplateBuild> => {
      const vars = ctx.vars as Record<string, unknown>
      const session = t.evaluator.begin({ ...base, vars, timestamp: ctx.timestamp })
      // A JSON builder's name may use variables (`"name": "{{user \`n\`}}-box"`): Packer renders it at build time.
      const named =
        t.format === 'json'
          ? t.sources.map((s) =>
              s.name?.includes('{{') ? { ...s, name: guard(() => String(session.value(s.name, s.file, s.line)), s.file, `${s.origin}.name`) } : s,
            )
          : t.sources
      // Packer prepares only the builds -only/-except select: the others are neither looked up nor
      // checked (packer validate -only=vsphere-iso passes a template whose vmware-iso has no options).
      // inspect lists every builder, one tsimg does not have too, as Packer's inspect does.
      const skipped = new Set<PackerPlugin>()
      for (const s of named) {
        if (!isSelected(s, t.format, ctx) || (ctx.inspecting && !findMapping('source', s.type))) skipped.add(s)
        else if (!findMapping('source', s.type)) throw unsupported(s)
      }
      for (const s of skipped) {
        const why =
          ctx.inspecting && !findMapping('source', s.type)
            ? `${unsupportedPlugin('source', s.type).message}: listed only`
            : 'not selected by -only/-except: not checked'
        process.stderr.write(`Note: ${s.file}:${s.line}: ${s.origin}: ${why}\n`)
      }
      const kinds = named.filter((s) => !skipped.has(s)).map((s) => ({ name: `${s.type}.${s.name ?? s.type}`, mapping: findMapping('source', s.type)! }))
      const make = <P>(p: PackerPlugin) => makePlugin(p, session, t.data, kinds, ctx.inspecting === true) as Promise<P>
      // inspect lists a builder whose options do not read yet (a duration from a variable no
      // var-file set), as Packer's inspect, which prepares no build.
      const inspected = async (p: PackerPlugin): Promise<SourcePlugin<any, any>> => {
        try {
          return await make<SourcePlugin<any, any>>(p)
        } catch (err) {
          if (!ctx.inspecting || !(err instanceof TemplateError)) throw err
          process.stderr.write(`Note: ${err.message.split('\n')[0]} (listed only)\n`)
          return skippedSource(p, t.format)
        }
      }
      const sources = await Promise.all(named.map(async (p) => (skipped.has(p) ? skippedSource(p, t.format) : withBuildName(await inspected(p), p, t.format))))
      const provisioners = await Promise.all(t.provisioners.map((p) => make<ProvisionerPlugin<any>>(p)))
      // Packer's -except may name a post-processor (JSON `name`): it is skipped in every build, and
      // so is the rest of its chain (Packer 1.6.6 core.go stops reading the chain there); each
      // stands in as a pass-through, so the next chain still starts from the builder's artifact.
      const excepted = (p: PackerPlugin) => p.name !== undefined && (ctx.except ?? []).some((e) => namesPostProcessor(e, p.name!))
      const cut = new Set<PackerPlugin>()
      t.postProcessors.forEach((p, i) => {
        const prev = t.postProcessors[i - 1]
        if (excepted(p) || (prev && cut.has(prev) && prev.chain === p.chain)) cut.add(p)
      })
      for (const p of cut)
        process.stderr.write(`Note: ${p.file}:${p.line}: ${p.origin}: skipped by -except${excepted(p) ? '' : ' (after one it names in the chain)'}\n`)
      const postProcessors = chained(
        t.postProcessors,
        await Promise.all(t.postProcessors.map((p) => (cut.has(p) ? skippedPostProcessor(p, excepted(p)) : make<PostProcessorPlugin<any>>(p)))),
      )
      const ecp = t.errorCleanupProvisioner ? await make<ProvisionerPlugin<any>>(t.errorCleanupProvisioner) : undefined
      return { sources, provisioners, postProcessors, ...(ecp ? { errorCleanupProvisioner: ecp } : {}) }
    },
  }
}

/** An HCL2 variable's default converted to its type; one that does not convert is an error at its line, as in Packer. */
export function typedDefault(v: PackerVariable, value: unknown): unknown {
  try {
    return convertValue(value, v.hclType!, v.sensitive)
  } catch (err) {
    throw packerError(
      { file: v.file, line: v.defaultLine ?? v.line },
      `variable "${v.name}".default`,
      `expected ${typeName(v.hclType!)}: ${(err as Error).message}`,
    )
  }
}

/** Evaluates one plugin's options, maps them and makes the plugin; errors name the file, line and Packer field. */
export async function mapPlugin(
  p: PackerPlugin,
  session: EvalSession,
  data: readonly PackerPlugin[] = [],
): Promise<{ mapping: PluginMapping; options: Record<string, unknown>; origins: Origins }> {
  let mapping = findMapping(p.kind, p.type)!
  const origins: Origins = new Map()
  const source = p.kind === 'source' ? { type: p.type, name: p.name ?? p.type } : undefined
  const input = { table: mapping.fields, file: p.file, origin: p.origin, session, skip: LOADER_KEYS, ...(source ? { source } : {}) }
  let options = guard(() => mapOptions({ ...input, body: p.body }, origins), p.file, p.origin)
  if (p.overrides) options = { ...options, ...guard(() => mapOptions({ ...input, body: p.overrides! }, origins), p.file, p.origin) }
  if (mapping.alternative?.when(options)) mapping = mapping.alternative.mapping
  try {
    options = { ...(mapping.fixed ?? {}), ...(mapping.finish ? mapping.finish(options) : options) }
  } catch (err) {
    if (err instanceof TemplateError) throw err
    throw packerError({ file: p.file, line: p.line }, p.origin, (err as Error).message)
  }
  options = withEnvDefaults(options, mapping, session)
  if (p.only?.length) options.only = [...p.only]
  if (p.except?.length) options.except = [...p.except]
  if (p.kind === 'source' && p.name) options.name = p.name
  if (data.length) options = applyDataSources(options, p, data, session)
  return { mapping, options, origins }
}

/** A mapping's `fromEnv` options the template left out: the variable's value (run), or code reading it (convert). */
function withEnvDefaults(options: Record<string, unknown>, mapping: PluginMapping, session: EvalSession): Record<string, unknown> {
  const run = session.run
  if (!run || !mapping.fromEnv) return options
  const out = { ...options }
  for (const d of mapping.fromEnv) {
    if (out[d.option] !== undefined || d.unless?.some((o) => out[o] !== undefined)) continue
    if (run.mode === 'convert') out[d.option] = code(`env('${d.variable}') || undefined`)
    else if (run.env[d.variable]) out[d.option] = run.env[d.variable]
  }
  return out
}

async function makePlugin(
  p: PackerPlugin,
  session: EvalSession,
  data: readonly PackerPlugin[],
  sources: readonly { name: string; mapping: PluginMapping }[],
  inspecting = false,
): Promise<AnyPlugin> {
  const { mapping, options, origins } = await mapPlugin(p, session, data)
  const factory = await loadFactory(mapping)
  const own = ownOptions(options, mapping)
  const late = p.kind === 'source' ? checkSourceLateValues(p, mapping, options) : buildValueNames(own.rest)
  if (late.length && p.kind !== 'source') checkProvisionerLateValues(p, late, sources)
  const { only, except, ...pluginOptions } = options
  const scoped = p.kind === 'post-processor' ? pluginOptions : options
  // Build-time values are filled by core's helpers, the ones a converted image.ts calls.
  let plugin =
    late.length && p.kind === 'provisioner'
      ? lateProvisioner((o: Record<string, unknown>) => factory({ ...o, ...own.kept }) as ProvisionerPlugin<any>, ownOptions(scoped, mapping).rest)
      : late.length && p.kind === 'post-processor'
        ? latePostProcessor(factory as (o: Record<string, unknown>) => PostProcessorPlugin<any>, scoped)
        : factory(scoped)
  // inspect lists the plugin without checking its options, as Packer's inspect does
  if (!inspecting) checkSchema(plugin, p, origins)
  plugin = located(plugin, p, origins)
  if (late.length && p.kind === 'source') plugin = lateSource(plugin as SourcePlugin<any, any>, mapping.late ?? [])
  if (p.kind === 'post-processor' && (only || except))
    plugin = scopedPostProcessor(plugin as PostProcessorPlugin<any>, {
      ...(only ? { only: only as string[] } : {}),
      ...(except ? { except: except as string[] } : {}),
    })
  return plugin
}

/** Splits off the options whose placeholders the plugin fills itself, so they are not taken for build-time values. */
export function ownOptions(options: Record<string, unknown>, m: PluginMapping): { kept: Record<string, unknown>; rest: Record<string, unknown> } {
  const kept: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) (m.selfFilled?.includes(k) ? kept : rest)[k] = v
  return { kept, rest }
}

export async function loadFactory(m: PluginMapping): Promise<Factory> {
  const mod = (await import(m.module)) as Record<string, unknown>
  const f = mod[m.factory]
  if (typeof f !== 'function') throw new Error(`${m.module} has no ${m.factory}() (is it up to date?)`)
  return f as Factory
}

/** The plugin's zod schema, with the first problem named by its Packer field and line, the value given and what was expected. */
function checkSchema(plugin: AnyPlugin, p: PackerPlugin, origins: Origins): void {
  const r = plugin.schema?.safeParse(plugin.options)
  if (!r || r.success) return
  const issue = (r.error as { issues: SchemaIssue[] }).issues[0]!
  const path = issue.path ?? []
  const top = String(path[0] ?? issue.keys?.[0] ?? '')
  const o = origins.get(top)
  const rest = path
    .slice(1)
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${snake(String(k))}`))
    .join('')
  const message = issue.code === 'unrecognized_keys' ? 'unknown option' : describeIssue(issue, plugin.options)
  throw packerError({ file: p.file, line: o?.line ?? p.line }, `${p.origin}.${o?.packer ?? snake(top)}${rest}`, message)
}

/** Plugins' own checks (files readable...) name the Packer file, line and field. */
function located<P extends AnyPlugin>(plugin: P, p: PackerPlugin, origins: Origins): P {
  if (!plugin.validate) return plugin
  const inner = plugin.validate.bind(plugin)
  return {
    ...plugin,
    validate: async (ctx: ValidateContext) => {
      try {
        await inner({ ...ctx, templateFile: `${p.file}:${p.line}`, path: p.origin })
      } catch (err) {
        throw packerField(err, p, origins)
      }
    },
  }
}

/** A plugin's error about `playbookFile`, told as Packer's `playbook_file` at its own line. */
function packerField(err: unknown, p: PackerPlugin, origins: Origins): unknown {
  if (!(err instanceof TemplateError) || !err.field?.startsWith(`${p.origin}.`)) return err
  const rest = err.field.slice(p.origin.length + 1)
  const top = /^[^.[]+/.exec(rest)?.[0] ?? rest
  const o = origins.get(top)
  const where = [err.file, err.field].filter(Boolean).join(': ')
  const bare = err.message.startsWith(`${where}: `) ? err.message.slice(where.length + 2) : err.message
  return new TemplateError(bare, {
    file: o ? `${p.file}:${o.line}` : err.file,
    field: `${p.origin}.${o?.packer ?? snake(top)}${rest.slice(top.length)}`,
    hint: err.hint,
    cause: err.cause,
  })
}

/**
 * Packer's post-processor chains: within a chain each post-processor gets the artifact of the
 * one before it, and every chain starts again from the builder's artifact. The engine passes
 * each post-processor the previous one's artifact, so the first of each later chain is handed
 * the builder's artifact instead (remembered per build, since builds run side by side).
 */
function chained(specs: readonly PackerPlugin[], pps: PostProcessorPlugin<any>[]): PostProcessorPlugin<any>[] {
  if (new Set(specs.map((p) => p.chain)).size < 2) return pps
  const built = new Map<string, Artifact>()
  return pps.map((pp, i) => {
    const first = i === 0 || specs[i]!.chain !== specs[i - 1]!.chain
    if (!first) return pp
    return {
      ...pp,
      postProcess(artifact, ctx) {
        if (i === 0) built.set(ctx.build.name, artifact)
        return pp.postProcess(built.get(ctx.build.name) ?? artifact, ctx)
      },
    }
  })
}

/**
 * The build's name as Packer gives it: a source of a named HCL build block is
 * `<build>.<type>.<name>`; a named JSON builder is its name alone (`web`, not `docker.web`);
 * a Packer type that tsimg runs under another keeps Packer's (`null.box`, not `ssh.box`).
 */
export function buildNaming(p: PackerPlugin, format: PackerTemplate['format']): { buildPrefix?: string; buildName?: string } {
  const prefix = p.build ? { buildPrefix: p.build } : {}
  if (format === 'json' && p.name && p.name !== p.type) return { ...prefix, buildName: p.name }
  const tsimgType = findMapping('source', p.type)?.tsimgType
  if (tsimgType && tsimgType !== p.type) return { ...prefix, buildName: p.name && p.name !== p.type ? `${p.type}.${p.name}` : p.type }
  return prefix
}

function withBuildName<P extends SourcePlugin<any, any>>(plugin: P, p: PackerPlugin, format: PackerTemplate['format']): P {
  const naming = buildNaming(p, format)
  return naming.buildPrefix || naming.buildName ? { ...plugin, ...naming } : plugin
}

function guard<T>(fn: () => T, file: string, field: string): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof EvalError) throw packerError({ file, line: err.line ?? 0 }, field, err.message, err.hint)
    throw err
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
