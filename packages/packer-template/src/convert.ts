import { basename, relative, resolve } from 'node:path'
import { TemplateError, buildValueNames } from '@tsimg/core/plugin'
import { buildNaming, checkPluginTypes, loadFactory, mapPlugin, ownOptions, typedDefault } from './assemble.js'
import { SENTINEL, code, stringCode, wholeCode } from './convert-code.js'
import { EvalError, packerError } from './errors.js'
import { tsType, typeName } from './hcl/types.js'
import { checkProvisionerLateValues, checkSourceLateValues } from './late-values.js'
import type { EvalSession, PackerPlugin, PackerVariable } from './model.js'
import { readPackerTemplate, type LoadOptions } from './load.js'
import { rebasePaths } from './rebase-paths.js'
import { findMapping } from './plugins/registry.js'
import type { PluginMapping } from './plugins/table.js'

/**
 * `tsimg convert`: writes the typed image.ts equivalent to a Packer template: variables with
 * their types and defaults, the sources, provisioners (in the order they run) and
 * post-processors, each with a comment naming the file and line it came from.
 */
export interface ConvertOptions extends LoadOptions {
  /** Where the image.ts goes: its local paths are rewritten from the working directory (Packer's base) to this one. Default: the working directory. */
  readonly outputDir?: string
}

export async function convertTemplate(path: string, shownAs: string, opts: ConvertOptions = {}): Promise<string> {
  const t = await readPackerTemplate(path, shownAs, opts)
  checkPluginTypes(t)
  const undeclared = new Set<string>()
  const base = {
    mode: 'convert' as const,
    vars: Object.fromEntries(t.variables.map((v) => [v.name, ''])),
    timestamp: 0,
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
    undeclared,
    outputDir: resolve(opts.cwd ?? process.cwd(), opts.outputDir ?? '.'),
  }
  const defaults = t.evaluator.begin({ ...base, defaults: true })
  const session = t.evaluator.begin(base)
  const imports = new Map<string, Set<string>>([['@tsimg/core', new Set(['defineTemplate'])]])
  // Comments name files relative to the template's directory, where the image.ts usually goes.
  const where = (file: string, line: number) => `${relative(t.templateDir, resolve(base.cwd, file)) || file}:${line}`
  const use = (mod: string, name: string) => (imports.get(mod) ?? imports.set(mod, new Set()).get(mod)!).add(name)

  const vars: string[] = []
  for (const v of t.variables) {
    const given = v.auto
      ? v.auto.value
      : v.default === undefined
        ? undefined
        : guarded(() => defaults.value(v.default, v.file, v.line), v.file, v.line, `variable "${v.name}"`)
    const typed = v.hclType && given !== undefined && given !== null ? typedDefault(v, given) : given
    // A JSON variable is text: a default that is just {{timestamp}} (a number in TypeScript) is written as a string.
    const d = t.format === 'json' && typeof typed === 'string' && wholeCode(typed) === 'timestamp()' ? code('String(timestamp())') : typed
    const opts = [
      d === undefined ? '' : d === null ? 'default: null' : `default: ${ts(d, use)}`,
      v.description ? `description: ${JSON.stringify(v.description)}` : '',
      v.sensitive ? 'sensitive: true' : '',
    ].filter(Boolean)
    const note = v.validations.length
      ? `; its validation (line ${v.validations.map((x) => x.line).join(', ')}) was not converted: add validate: (value) => ...`
      : ''
    vars.push(
      `    ${key(v.name)}: ${declare(v, opts.length ? `{ ${opts.join(', ')} }` : '', use, d === null && t.format === 'hcl', t.format === 'json')}, // ${where(v.file, v.line)}${note}`,
    )
  }
  // A JSON builder's name that uses variables becomes the TypeScript computing it (`${vars.n}-box`).
  const named =
    t.format === 'json'
      ? t.sources.map((s) =>
          s.name?.includes('{{') ? { ...s, name: String(guarded(() => session.value(s.name, s.file, s.line), s.file, s.line, `${s.origin}.name`)) } : s,
        )
      : t.sources
  const kinds = named.map((s) => ({ name: `${s.type}.${s.name ?? s.type}`, mapping: findMapping('source', s.type)! }))
  const rebase = (o: Record<string, unknown>, kind: string, factory: string) => rebasePaths(o, kind, factory, base.cwd, opts.outputDir ?? base.cwd)
  const plugins = async (list: readonly PackerPlugin[]) =>
    Promise.all(list.map((p) => plugin(p, session, use, t.data, where, kinds, rebase, t.format === 'json')))
  // A source keeps the build name Packer gives it: `{ ...docker({...}), buildPrefix: 'images' }`
  // for a named build block, `{ ...docker({...}), buildName: 'web' }` for a named JSON builder.
  const sources = (await plugins(named)).map((code, i) => {
    const naming = Object.entries(buildNaming(named[i]!, t.format))
    if (!naming.length) return code
    const cut = code.indexOf('\n') + 1 // after the comment line plugin() starts with
    return `${code.slice(0, cut)}      { ...${code.slice(cut).trimStart()}, ${naming.map(([k, v]) => `${k}: ${ts(v, use)}`).join(', ')} }`
  })
  const provisioners = await plugins(t.provisioners)
  const postProcessors = await plugins(t.postProcessors)
  const ecp = t.errorCleanupProvisioner ? await plugin(t.errorCleanupProvisioner, session, use, t.data, where, kinds, rebase, t.format === 'json') : undefined

  // JSON {{user}} names no variable declares: Packer reads them from a var-file, or renders "".
  for (const n of undeclared) {
    use('@tsimg/core', 'packerJson')
    vars.push(`    ${key(n)}: packerJson.variable({ default: '' }), // not declared in ${basename(t.files[0]!)}: Packer reads it from a var-file, else ""`)
  }
  if (vars.length && t.format === 'json') use('@tsimg/core', 'packerJson')
  const importLines = [...imports].sort(([a], [b]) => a.localeCompare(b)).map(([mod, names]) => `import { ${[...names].sort().join(', ')} } from '${mod}'`)
  return [
    `// Converted by \`tsimg convert\` from ${t.files.map((f) => basename(f)).join(', ')}; each part names the line it came from.`,
    ...t.notes.map((n) => `// ${n}`),
    ...importLines,
    '',
    'export default defineTemplate({',
    ...(vars.length ? ['  variables: {', ...vars, '  },'] : []),
    // JSON: var-file, -var and PKR_VAR_ values may use {{user}}, {{env}}..., which Packer renders (core renders them before build and inspect).
    // and var-file or -var names the template does not declare are kept for {{user}}, as Packer JSON keeps them.
    ...(vars.length && t.format === 'json' ? ['  renderVariables: packerJson.render,', '  keepUndeclaredVarFileValues: true,'] : []),
    `  build: (${!vars.length ? '{ templateDir }' : '{ vars, templateDir }'}) => ({`,
    '    sources: [',
    ...sources.map((s) => `      ${s},`),
    '    ],',
    ...(provisioners.length ? ['    provisioners: [', ...provisioners.map((s) => `      ${s},`), '    ],'] : []),
    ...(ecp ? [`    errorCleanupProvisioner: ${ecp},`] : []),
    ...(postProcessors.length ? ['    postProcessors: [', ...postProcessors.map((s) => `      ${s},`), '    ],'] : []),
    '  }),',
    '})',
    '',
  ].join('\n')
}

/**
 * string, number and bool stay the core's variable.string/number/boolean; every other HCL type is
 * hclVariable<TsType>('list(number)'), which converts values and reads -var text as Packer does.
 */
function declare(v: PackerVariable, opts: string, use: (mod: string, name: string) => void, nullDefault = false, json = false): string {
  const t = v.hclType
  // `default = null` (optional, null): an hclVariable, whose value type admits null.
  if (nullDefault) {
    use('@tsimg/packer-template', 'hclVariable')
    const name = t ? typeName(t) : 'any'
    return `hclVariable<${t ? tsType(t) : 'unknown'} | null>('${name.replace(/[\\']/g, '\\$&')}', ${opts})`
  }
  // A JSON template's variable is Packer's string (null in a var-file is ""), as the run path reads it.
  if (json) {
    use('@tsimg/core', 'packerJson')
    return `packerJson.variable(${opts})`
  }
  if (!t || t.kind === 'string' || t.kind === 'number' || t.kind === 'bool') {
    use('@tsimg/core', 'variable')
    return `variable.${v.kind}(${opts})`
  }
  use('@tsimg/packer-template', 'hclVariable')
  return `hclVariable<${tsType(t)}>('${typeName(t).replace(/[\\']/g, '\\$&')}'${opts ? `, ${opts}` : ''})`
}

async function plugin(
  p: PackerPlugin,
  session: EvalSession,
  use: (mod: string, name: string) => void,
  data: readonly PackerPlugin[],
  where: (file: string, line: number) => string,
  sources: readonly { name: string; mapping: PluginMapping }[],
  rebase: (o: Record<string, unknown>, kind: string, factory: string) => Record<string, unknown>,
  json: boolean,
): Promise<string> {
  const mapped = await mapPlugin(p, session, data)
  const m = mapped.mapping
  let options = rebase(mapped.options, p.kind, m.factory)
  if (json) options = await oneOfStrings(options, m)
  // Build-time values: the run path's checks, then core's lateSource/lateProvisioner, which the run path uses too.
  const late = p.kind === 'source' ? checkSourceLateValues(p, m, options) : buildValueNames(ownOptions(options, m).rest)
  if (late.length && p.kind !== 'source') checkProvisionerLateValues(p, late, sources)
  use(m.module, m.factory)
  const head = `// ${where(p.file, p.line)} ${p.origin}\n      `
  if (p.kind === 'post-processor' && (options.only || options.except)) {
    // The run path's own helper: the post-processor runs for the builds named, and hands any other build's artifact on.
    const { only, except, ...rest } = options
    use('@tsimg/core', 'scopedPostProcessor')
    if (late.length) use('@tsimg/core', 'latePostProcessor')
    const made = late.length ? `latePostProcessor(${m.factory}, ${ts(rest, use, 6)})` : `${m.factory}(${ts(rest, use, 6)})`
    return `${head}scopedPostProcessor(${made}, ${ts({ only, except }, use)})`
  }
  if (!late.length) return `${head}${m.factory}(${ts(options, use, 6)})`
  if (p.kind === 'post-processor') {
    use('@tsimg/core', 'latePostProcessor')
    return `${head}latePostProcessor(${m.factory}, ${ts(options, use, 6)})`
  }
  if (p.kind === 'provisioner') {
    use('@tsimg/core', 'lateProvisioner')
    const own = ownOptions(options, m)
    // Options the provisioner fills itself stay out of the build-time values lateProvisioner fills.
    if (Object.keys(own.kept).length)
      return `${head}lateProvisioner((o: Omit<Parameters<typeof ${m.factory}>[0], ${Object.keys(own.kept)
        .map((k) => `'${k}'`)
        .join(' | ')}>) => ${m.factory}({ ...o, ...${ts(own.kept, use, 6)} }), ${ts(own.rest, use, 6)})`
    return `${head}lateProvisioner(${m.factory}, ${ts(options, use, 6)})`
  }
  use('@tsimg/core', 'lateSource')
  const keys = Object.keys(options).filter((k) => buildValueNames(options[k]).length)
  return `${head}lateSource(${m.factory}(${ts(options, use, 6)}), ${ts(keys, use)})`
}

/**
 * convert of a JSON template: a string variable given for an option that takes one of a few
 * strings (`volumeType: 'gp2' | 'gp3' | ...`, known from the plugin's schema) is written
 * `packerJson.string(vars.x)`, which type-checks against the option and reads "" as unset
 * (mapOptions wraps the plain variables; this catches an option's other string code).
 */
async function oneOfStrings(options: Record<string, unknown>, m: PluginMapping): Promise<Record<string, unknown>> {
  let schema: unknown
  try {
    schema = ((await loadFactory(m))(options) as { schema?: unknown }).schema
  } catch {
    return options
  }
  return schema ? (withOneOf(options, schema) as Record<string, unknown>) : options
}

type ZodNode = { def?: { type?: string; innerType?: ZodNode; in?: ZodNode; element?: ZodNode; shape?: Record<string, ZodNode>; options?: ZodNode[] } }

function withOneOf(v: unknown, node: unknown): unknown {
  let s = node as ZodNode | undefined
  while (s?.def && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'pipe'].includes(s.def.type ?? '')) s = s.def.innerType ?? s.def.in
  const def = s?.def
  if (!def) return v
  const c = wholeCode(v)
  if (c !== undefined) {
    const oneOf = def.type === 'enum' || (def.type === 'union' && (def.options ?? []).every((o) => o.def?.type === 'literal'))
    return oneOf && !c.startsWith('packerJson.') ? code(`packerJson.string(${c})`) : v
  }
  if (Array.isArray(v) && def.type === 'array') return v.map((x) => withOneOf(x, def.element))
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && def.type === 'object' && def.shape) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, def.shape![k] ? withOneOf(x, def.shape![k]) : x]))
  }
  return v
}

/** A JavaScript value as TypeScript source; `vars.x`, `env('X')` placeholders become code. */
function ts(v: unknown, use: (mod: string, name: string) => void, indent = 0): string {
  if (typeof v === 'string') {
    const parts = v.split(SENTINEL)
    if (parts.length === 1)
      return JSON.stringify(v)
        .replace(/^"|"$/g, "'")
        .replace(/\\"/g, '"')
        .replace(/'/g, (m, i: number, s: string) => (i === 0 || i === s.length - 1 ? m : "\\'"))
    for (let i = 1; i < parts.length; i += 2)
      for (const h of ['env', 'timestamp', 'uuid', 'isotime', 'formatdate']) if (parts[i]!.includes(`${h}(`)) use('@tsimg/core', h)
    for (let i = 1; i < parts.length; i += 2) if (parts[i]!.includes('packerJson.')) use('@tsimg/core', 'packerJson')
    return stringCode(v)
  }
  if (Array.isArray(v)) return `[${v.map((x) => ts(x, use, indent)).join(', ')}]`
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined)
    if (entries.length === 0) return '{}'
    return `{ ${entries.map(([k, x]) => `${key(k)}: ${ts(x, use, indent)}`).join(', ')} }`
  }
  return JSON.stringify(v)
}

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)
}

function guarded<T>(fn: () => T, file: string, line: number, field: string): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof EvalError) throw packerError({ file, line: err.line ?? line }, field, err.message, err.hint)
    if (err instanceof TemplateError) throw err
    throw err
  }
}
