import { TemplateError, errorMessage } from '../errors.js'
import type { PostProcessorPlugin, ProvisionerPlugin, SourcePlugin, ValidateContext } from '../plugin/types.js'
import type { TemplateBuild } from './define.js'
import { describeIssue, type SchemaIssue } from './schema-issue.js'
import { resolveVerify } from '../verify/resolve.js'
import type { CheckedVerify } from '../verify/step-verify.js'

/** A template's build with falsy entries removed and every plugin's options checked. */
export interface CheckedBuild {
  readonly sources: readonly SourcePlugin<unknown, any>[]
  readonly provisioners: readonly ProvisionerPlugin<any>[]
  readonly errorCleanupProvisioner?: ProvisionerPlugin<any>
  readonly postProcessors: readonly PostProcessorPlugin[]
  /** The checks run on a machine started from the image (`verify`), if any. */
  readonly verify?: CheckedVerify
}

type Kind = 'source' | 'provisioner' | 'post-processor' | 'verify'
type AnyPlugin = {
  kind: Kind
  type: string
  options?: unknown
  schema?: { safeParse(v: unknown): { success: boolean; error?: unknown } }
  validate?(ctx: ValidateContext): unknown
}

/** What a build's name is made of. */
export type BuildNaming = Pick<SourcePlugin, 'type' | 'name' | 'buildPrefix' | 'buildName'>

const BUILD_KEYS = new Set(['sources', 'provisioners', 'errorCleanupProvisioner', 'postProcessors', 'verify'])

/**
 * `<type>.<name>`, or `<type>` for a source without a name of its own (none, or its type, the
 * default of the cloud builders: Packer calls such a build `amazon-ebs`, not
 * `amazon-ebs.amazon-ebs`), or the source's own `buildName` in their place (a Packer JSON
 * builder's name, or a Packer type tsimg runs under another: `null.box`); prefixed by the build
 * block's name if it has one.
 */
export function sourceBuildName(source: BuildNaming): string {
  const own = source.buildName || (source.name && source.name !== source.type ? `${source.type}.${source.name}` : source.type)
  return source.buildPrefix ? `${source.buildPrefix}.${own}` : own
}

/** Every name that selects a source's build: its whole name, without the prefix, `type.name`, and its name. */
export function buildNames(source: BuildNaming): string[] {
  const names = [
    sourceBuildName(source),
    sourceBuildName({ ...source, buildPrefix: undefined }),
    sourceBuildName({ type: source.type, name: source.name }),
    ...(source.name ? [source.name] : []),
  ]
  return [...new Set(names)]
}

/**
 * Checks the shape of what the template built, each plugin's options against its zod schema
 * (errors name the field: `sources[0] (docker.web).ports[0]: expected number`) and each
 * plugin's own validate(); nothing is created here.
 */
export async function checkBuild(
  build: unknown,
  templateFile: string,
  templateDir: string,
  options: { skipPluginValidate?: boolean } = {},
): Promise<CheckedBuild> {
  const fail = (field: string, message: string, hint?: string) => new TemplateError(message, { file: templateFile, field, ...(hint ? { hint } : {}) })
  if (typeof build !== 'object' || build === null || Array.isArray(build)) {
    throw new TemplateError('the template must produce an object with `sources` (use defineTemplate)', { file: templateFile })
  }
  for (const key of Object.keys(build)) {
    if (!BUILD_KEYS.has(key)) throw fail(key, 'unknown template field', `Known fields: ${[...BUILD_KEYS].join(', ')}`)
  }
  const b = build as TemplateBuild
  const sources = list(b.sources, 'sources', 'source', fail) as SourcePlugin<unknown, any>[]
  if (sources.length === 0) throw fail('sources', 'the template has no sources', 'Add at least one source, e.g. docker({ ... }).')
  const provisioners = list(b.provisioners ?? [], 'provisioners', 'provisioner', fail) as ProvisionerPlugin<any>[]
  const postProcessors = list(b.postProcessors ?? [], 'postProcessors', 'post-processor', fail) as PostProcessorPlugin[]
  let errorCleanupProvisioner: ProvisionerPlugin<any> | undefined
  if (b.errorCleanupProvisioner) {
    errorCleanupProvisioner = list([b.errorCleanupProvisioner], 'errorCleanupProvisioner', 'provisioner', fail)[0] as ProvisionerPlugin<any>
  }

  const names = new Map<string, number>()
  for (const [path, p] of entries(b.sources, 'sources')) {
    const name = sourceBuildName(p as SourcePlugin)
    if (names.has(name)) {
      throw fail(path, `duplicate build name "${name}" (also sources[${names.get(name)}])`, 'Give each source a distinct name.')
    }
    names.set(name, Number(/\[(\d+)\]/.exec(path)?.[1]))
  }

  checkOnlyExcept(b, sources, templateFile)
  const verify = await resolveVerify(b.verify, templateFile, templateDir)

  const all: [string, AnyPlugin][] = [
    ...entries(b.sources, 'sources').map(([p, s]) => [`${p} (${sourceBuildName(s as SourcePlugin)})`, s] as [string, AnyPlugin]),
    ...entries(b.provisioners ?? [], 'provisioners'),
    ...(errorCleanupProvisioner ? [['errorCleanupProvisioner', errorCleanupProvisioner] as [string, AnyPlugin]] : []),
    ...entries(b.postProcessors ?? [], 'postProcessors'),
    ...((verify?.checks ?? []) as [string, AnyPlugin][]),
  ]
  // inspect (skipPluginValidate) checks no option either, as Packer's inspect: a template whose
  // required variables are not given is listed, though options made of them are not valid yet.
  for (const [path, plugin] of options.skipPluginValidate ? [] : all) {
    if (plugin.schema) {
      const r = plugin.schema.safeParse(plugin.options)
      if (!r.success) throw schemaError(r.error, path, templateFile, plugin.options)
    }
  }
  if (!options.skipPluginValidate) {
    for (const [path, plugin] of all) {
      if (!plugin.validate) continue
      try {
        await plugin.validate({ templateDir, templateFile, path })
      } catch (err) {
        if (err instanceof TemplateError) throw err
        throw new TemplateError(errorMessage(err), { file: templateFile, field: path, cause: err })
      }
    }
  }
  return {
    sources,
    provisioners,
    postProcessors,
    ...(errorCleanupProvisioner ? { errorCleanupProvisioner } : {}),
    ...(verify ? { verify: { checks: verify.checks.map(([, p]) => p), ...(verify.junit ? { junit: verify.junit } : {}) } } : {}),
  }
}

function list(value: unknown, field: string, kind: Kind, fail: (f: string, m: string, h?: string) => TemplateError): AnyPlugin[] {
  if (!Array.isArray(value)) throw fail(field, 'must be a list')
  const out: AnyPlugin[] = []
  value.forEach((entry: unknown, i) => {
    if (!entry) return
    const at = field === 'errorCleanupProvisioner' ? field : `${field}[${i}]`
    const p = entry as Partial<AnyPlugin>
    if (typeof p !== 'object' || typeof p.kind !== 'string' || typeof p.type !== 'string') {
      throw fail(at, `is not a ${kind}`, `Use a ${kind} factory such as ${example(kind)}.`)
    }
    if (p.kind !== kind) throw fail(at, `a ${p.kind} (${p.type}) cannot be used as a ${kind}`)
    // A hand-written `{ kind: 'source', type: 'x' }` looks like a plugin but has nothing to run.
    const missing = METHODS[kind].filter((m) => typeof (p as Record<string, unknown>)[m] !== 'function')
    if (missing.length) {
      throw fail(
        at,
        `is not a tsimg ${kind} plugin: ${kind} "${p.type}" has no ${missing.map((m) => `${m}()`).join(' or ')}`,
        `Use a ${kind} factory such as ${example(kind)}, imported from its package.`,
      )
    }
    out.push(p as AnyPlugin)
  })
  return out
}

/** What the engine calls on each kind of plugin. */
const METHODS: Readonly<Record<Kind, readonly string[]>> = { source: ['steps'], provisioner: ['provision'], 'post-processor': ['postProcess'], verify: ['run'] }

function entries(value: unknown, field: string): [string, AnyPlugin][] {
  if (!Array.isArray(value)) return []
  return value.flatMap((e: unknown, i) => (e ? [[`${field}[${i}]`, e as AnyPlugin] as [string, AnyPlugin]] : []))
}

function example(kind: Kind): string {
  return kind === 'source' ? 'docker({ ... })' : kind === 'provisioner' ? 'shell({ ... })' : kind === 'verify' ? 'commandCheck({ ... })' : 'manifest({ ... })'
}

/** Formats the first schema problems as `path.to[0].field: expected a whole number, got "x"`. */
function schemaError(error: unknown, prefix: string, file: string, options: unknown): TemplateError {
  const issues = ((error as { issues?: SchemaIssue[] }).issues ?? []).slice(0, 5)
  const lines = issues.map((issue) => {
    const base = prefix + formatPath(issue.path ?? [])
    if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
      return issue.keys.map((k) => `${base}${formatPath([k])}: unknown option`).join('\n  ')
    }
    return `${base}: ${describeIssue(issue, options)}`
  })
  const [first, ...rest] = lines
  const message = rest.length ? `${first}\n  ${rest.join('\n  ')}` : (first ?? `${prefix}: invalid options`)
  return new TemplateError(message, { file, cause: error })
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`))
    .join('')
}

/**
 * A provisioner's only/except that names no source is a typo that would silently skip (or run)
 * it on every build: reject it, listing the names that exist.
 */
function checkOnlyExcept(b: TemplateBuild, sources: readonly SourcePlugin<unknown, any>[], file: string): void {
  const known = new Set(sources.flatMap(buildNames))
  const provs: [string, unknown][] = [
    ...entries(b.provisioners ?? [], 'provisioners'),
    ...(b.errorCleanupProvisioner ? [['errorCleanupProvisioner', b.errorCleanupProvisioner] as [string, unknown]] : []),
  ]
  for (const [path, p] of provs) {
    const opts = (p as { options?: { only?: unknown; except?: unknown } }).options
    for (const key of ['only', 'except'] as const) {
      const names = opts?.[key]
      if (!Array.isArray(names)) continue
      names.forEach((n: unknown, i) => {
        if (typeof n === 'string' && !known.has(n)) {
          throw new TemplateError(`"${n}" is not a source of this template`, {
            file,
            field: `${path}.${key}[${i}]`,
            hint: `Sources: ${sources.map(sourceBuildName).join(', ')} (a name may be written with or without its type).`,
          })
        }
      })
    }
  }
}
