import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Node } from 'web-tree-sitter'
import type { VariableKind } from '@tsimg/core'
import { EvalError, packerError } from '../errors.js'
import { code, hclFunctions } from '../functions.js'
import type { Attr, Body, EvalSession, Evaluator, PackerPlugin, PackerTemplate, PackerVariable } from '../model.js'
import { dataNames, isSupportedDataSource } from '../data-sources.js'
import { withOverrides, type OverrideTarget } from '../override.js'
import { CONSTANTS, evaluate, type Fn, type HclScope } from './eval.js'
import { overrideEntries } from './override-entries.js'
import { jsonToHcl } from './from-json.js'
import { parseType, type HclType } from './types.js'
import { coreKind } from './variable.js'
import { firstSyntaxError, lineOf, named, parseHcl, parseHclLoaded } from './parse.js'

interface Block {
  type: string
  labels: string[]
  body: Body
  line: number
  file: string
  node: Node
}

/** Reads HCL2 template files (one file, or every *.pkr.hcl and *.pkr.json of a directory, as Packer does). */
export async function loadHclTemplate(paths: readonly { path: string; file: string }[], templateDir: string): Promise<PackerTemplate> {
  const top: Block[] = []
  for (const { path, file } of paths) {
    const raw = await readFile(path, 'utf8')
    // HCL's JSON syntax is read as the HCL it stands for; lines stay those of the JSON file.
    const json = path.endsWith('.json') ? jsonToHcl(raw, file) : undefined
    const root = await parseHcl(json ? json.hcl : raw)
    const at = (line: number) => (json ? (json.lines[line - 1] ?? line) : line)
    const bad = firstSyntaxError(root)
    if (bad) throw packerError({ file, line: at(bad.line) }, '', `HCL syntax error near "${bad.text}"`)
    const b = readBody(
      named(root).find((n) => n.type === 'body'),
      file,
      (n) => at(lineOf(n)),
    )
    for (const a of b.attrs)
      throw packerError(
        { file, line: a.line },
        a.name,
        'an attribute at the top level of a template',
        'Top level holds blocks: packer, variable, locals, source, data, build.',
      )
    top.push(...(b.blocks as Block[]))
  }
  const variables: PackerVariable[] = []
  const locals: (Attr & { file: string })[] = []
  const sources = new Map<string, Block>()
  const builds: Block[] = []
  const notes: string[] = []
  const data: PackerPlugin[] = []
  for (const b of top) {
    const at = { file: b.file, line: b.line }
    switch (b.type) {
      case 'packer':
        for (const rp of b.body.blocks.filter((x) => x.type === 'required_plugins')) {
          notes.push(`${b.file}:${rp.line}: required_plugins: tsimg has its builders built in; nothing is downloaded (packer init is not needed)`)
        }
        break
      case 'variable':
        variables.push(variable(b))
        break
      case 'variables':
        for (const a of b.body.attrs)
          variables.push({ name: a.name, file: b.file, kind: 'string', default: a.raw, sensitive: false, line: a.line, validations: [] })
        break
      case 'locals':
        locals.push(...b.body.attrs.map((a) => ({ ...a, file: b.file })))
        break
      case 'local': {
        const e = b.body.attrs.find((a) => a.name === 'expression')
        if (!e) throw packerError(at, `local "${b.labels[0]}"`, 'has no expression')
        locals.push({ name: b.labels[0]!, raw: e.raw, line: e.line, file: b.file })
        break
      }
      case 'source':
        if (b.labels.length !== 2) throw packerError(at, 'source', 'needs a type and a name: source "docker" "web" { ... }')
        sources.set(`source.${b.labels[0]}.${b.labels[1]}`, b)
        break
      case 'build':
        builds.push(b)
        break
      case 'data':
        if (!isSupportedDataSource(b.labels[0] ?? '')) throw unsupportedDataSource(at, b.labels[0] ?? '', b.labels[1] ?? '', b.body)
        data.push({
          kind: 'source',
          type: b.labels[0]!,
          name: b.labels[1]!,
          file: b.file,
          line: b.line,
          origin: `data "${b.labels[0]}" "${b.labels[1]}"`,
          body: b.body,
        })
        break
      default:
        throw packerError(at, b.type, `block type "${b.type}" is not supported`, 'Top level holds blocks: packer, variable, locals, local, source, build.')
    }
  }
  if (builds.length === 0) throw packerError({ file: paths[0]!.file, line: 1 }, 'build', 'the template has no build block')
  const out = {
    sources: [] as PackerPlugin[],
    provisioners: [] as PackerPlugin[],
    postProcessors: [] as PackerPlugin[],
    ecp: undefined as PackerPlugin | undefined,
    chains: 0,
    notes,
  }
  for (const b of builds) readBuild(b, sources, out, builds.length > 1)
  return {
    format: 'hcl',
    files: paths.map((p) => p.file),
    templateDir,
    variables,
    locals,
    sources: out.sources,
    provisioners: out.provisioners,
    ...(out.ecp ? { errorCleanupProvisioner: out.ecp } : {}),
    postProcessors: out.postProcessors,
    data,
    notes,
    evaluator: hclEvaluator(templateDir, locals, data),
  }
}

function readBuild(
  b: Block,
  sources: Map<string, Block>,
  out: {
    sources: PackerPlugin[]
    provisioners: PackerPlugin[]
    postProcessors: PackerPlugin[]
    ecp: PackerPlugin | undefined
    chains: number
    notes: string[]
  },
  several: boolean,
): void {
  const names: string[] = []
  const targets: OverrideTarget[] = []
  // Packer calls the builds of a named build block `<name>.<type>.<source name>`.
  const buildNameAttr = b.body.attrs.find((a) => a.name === 'name')
  const buildName = buildNameAttr ? constString(buildNameAttr, b.file) : undefined
  const use = (ref: string, line: number, overrides?: Body) => {
    // Packer takes `source.type.name` or `type.name`, in `sources = [...]` and in a build-level source block.
    const s = sources.get(ref) ?? sources.get(`source.${ref}`)
    if (!s)
      throw packerError(
        { file: b.file, line },
        overrides ? `build.source "${ref}"` : 'build.sources',
        `"${ref}" is not a source of this template`,
        `Sources: ${[...sources.keys()].join(', ') || 'none'}`,
      )
    // Packer fills in fields; one set in both places is ambiguous, and an error there too.
    for (const a of overrides?.attrs ?? []) {
      const top = s.body.attrs.find((x) => x.name === a.name)
      if (top)
        throw packerError(
          { file: b.file, line: a.line },
          `build.source "${ref}".${a.name}`,
          `is already set by source "${s.labels[0]}" "${s.labels[1]}" at ${s.file}:${top.line}`,
          'A build-level source block may only set fields the top-level source leaves out (Packer fails the same way).',
        )
    }
    const nameAttr = overrides?.attrs.find((a) => a.name === 'name')
    const name = nameAttr ? constString(nameAttr, b.file) : s.labels[1]!
    const full = `${buildName ? `${buildName}.` : ''}${s.labels[0]}.${name}`
    names.push(full)
    // Packer looks a provisioner's override up by the source's name alone (`web`, not `docker.web`).
    targets.push({ build: full, key: name, names: [full, `${s.labels[0]}.${name}`, name] })
    out.sources.push({
      kind: 'source',
      type: s.labels[0]!,
      name,
      ...(buildName ? { build: buildName } : {}),
      file: s.file,
      line: s.line,
      origin: `source "${s.labels[0]}" "${s.labels[1]}"`,
      body: s.body,
      ...(overrides ? { overrides: { attrs: overrides.attrs.filter((a) => a.name !== 'name'), blocks: overrides.blocks } } : {}),
    })
  }
  for (const a of b.body.attrs) {
    if (a.name === 'sources') {
      for (const ref of constList(a, b.file)) use(ref, a.line)
    } else if (a.name !== 'name' && a.name !== 'description') {
      throw packerError(
        { file: b.file, line: a.line },
        `build.${a.name}`,
        'unknown build attribute',
        'A build has name, description, sources, and source, provisioner, post-processor(s) blocks.',
      )
    }
  }
  const scope = several ? names : undefined
  const plugin = (x: Block, kind: PackerPlugin['kind'], origin: string): PackerPlugin => {
    const only = x.body.attrs.find((a) => a.name === 'only')
    const except = x.body.attrs.find((a) => a.name === 'except')
    const override = x.body.attrs.find((a) => a.name === 'override')
    // Packer's post-processor blocks have no override (the plugin would reject the argument).
    if (override && x.type !== 'provisioner')
      throw packerError(
        { file: x.file, line: override.line },
        `${origin}.override`,
        `override is an argument of provisioner blocks only, not of ${x.type} blocks`,
        'Write one block per source with only = [...].',
      )
    const o = only ? constList(only, x.file) : scope
    return {
      kind,
      type: x.labels[0]!,
      file: x.file,
      line: x.line,
      origin,
      body: { attrs: x.body.attrs.filter((a) => a.name !== 'only' && a.name !== 'except' && a.name !== 'override'), blocks: x.body.blocks },
      ...(o ? { only: o } : {}),
      ...(except ? { except: constList(except, x.file) } : {}),
    }
  }
  // Sources first, so every provisioner's override knows all the builds of this block.
  for (const x of (b.body.blocks as Block[]).filter((y) => y.type === 'source')) use(x.labels[0]!, x.line, x.body)
  for (const x of b.body.blocks as Block[]) {
    const origin = `${x.type} "${x.labels.join('" "')}"`
    switch (x.type) {
      case 'source':
        break
      case 'hcp_packer_registry':
        throw packerError(
          { file: x.file, line: x.line },
          'build.hcp_packer_registry',
          'publishes the build to HCP Packer, a HashiCorp cloud service that tsimg does not talk to',
          'Remove the hcp_packer_registry block; to record what was built, add post-processor "manifest" { } (tsimg writes the manifest as Packer does).',
        )
      case 'provisioner': {
        const p = plugin(x, 'provisioner', origin)
        const o = x.body.attrs.find((a) => a.name === 'override')
        out.provisioners.push(
          ...withOverrides(p, o ? overrideEntries(o, x.file, origin) : [], targets, (e) =>
            out.notes.push(
              `${x.file}:${e.line}: ${origin}: override "${e.key}" names no source of this build, so it changes nothing (Packer ignores it too; override keys are source names, e.g. "${targets[0]?.key ?? 'web'}")`,
            ),
          ),
        )
        break
      }
      case 'error-cleanup-provisioner':
        if (out.ecp)
          throw packerError(
            { file: x.file, line: x.line },
            origin,
            `a second error-cleanup-provisioner (the first is at ${out.ecp.file}:${out.ecp.line})`,
            'tsimg runs one error-cleanup-provisioner per template (its only/except choose the sources): keep one.',
          )
        out.ecp = plugin(x, 'provisioner', origin)
        break
      case 'post-processor':
        out.postProcessors.push({ ...plugin(x, 'post-processor', origin), chain: out.chains++ })
        break
      case 'post-processors':
        for (const y of x.body.blocks as Block[])
          out.postProcessors.push({ ...plugin(y, 'post-processor', `post-processors.post-processor "${y.labels[0]}"`), chain: out.chains })
        out.chains++
        break
      default:
        throw packerError(
          { file: x.file, line: x.line },
          `build.${x.type}`,
          `block "${x.type}" is not supported in a build`,
          'A build holds source, provisioner, error-cleanup-provisioner, post-processor and post-processors blocks.',
        )
    }
  }
}

function readBody(node: Node | undefined, file: string, lineOf: (n: Node) => number): Body {
  const attrs: Attr[] = []
  const blocks: Block[] = []
  for (const c of node ? named(node) : []) {
    if (c.type === 'attribute') {
      const [id, expr] = named(c)
      attrs.push({ name: id!.text, raw: expr, line: lineOf(c) })
    } else if (c.type === 'block') {
      const parts = named(c)
      const labels = parts
        .filter((p) => p.type === 'string_lit' || p.type === 'identifier')
        .slice(1)
        .map((p) => (p.type === 'string_lit' ? p.text.slice(1, -1) : p.text))
      blocks.push({
        type: parts[0]!.text,
        labels,
        body: readBody(
          parts.find((p) => p.type === 'body'),
          file,
          lineOf,
        ),
        line: lineOf(c),
        file,
        node: c,
      })
    }
  }
  return { attrs, blocks }
}

function variable(b: Block): PackerVariable {
  const name = b.labels[0]!
  const at = { file: b.file, line: b.line }
  const get = (k: string) => b.body.attrs.find((a) => a.name === k)
  const typeAttr = get('type')
  const dflt = get('default')
  let kind: VariableKind = 'string'
  let hclType: HclType | undefined
  if (typeAttr) {
    // Every HCL type: the core sees its nearest kind, hclVariable() converts values as Packer does.
    try {
      hclType = parseType((typeAttr.raw as Node).text)
    } catch (err) {
      throw packerError({ file: b.file, line: typeAttr.line }, `variable "${name}".type`, (err as Error).message)
    }
    kind = coreKind(hclType)
  } else if (dflt) {
    const text = (dflt.raw as Node).text.trim()
    kind = text.startsWith('{') ? 'map' : /^(true|false)$/.test(text) ? 'boolean' : /^-?\d/.test(text) ? 'number' : text.startsWith('[') ? 'list' : 'string'
  }
  const validations = b.body.blocks
    .filter((v) => v.type === 'validation')
    .map((v) => ({
      condition: v.body.attrs.find((a) => a.name === 'condition')?.raw,
      message: v.body.attrs.find((a) => a.name === 'error_message')?.raw,
      line: v.line,
    }))
  for (const v of validations)
    if (!v.condition || !v.message) throw packerError({ ...at, line: v.line }, `variable "${name}".validation`, 'needs condition and error_message')
  const desc = get('description')
  const sens = get('sensitive')
  return {
    name,
    file: b.file,
    kind,
    line: b.line,
    validations,
    ...(hclType ? { hclType } : {}),
    ...(dflt ? { default: dflt.raw, defaultLine: dflt.line } : {}),
    ...(desc ? { description: constString(desc, b.file) } : {}),
    sensitive: sens ? (sens.raw as Node).text.trim() === 'true' : false,
  }
}

/** `packer.version`: `tsimg-<version of @tsimg/core>`, so an image tagged with it says which engine built it. */
const TSIMG_VERSION = `tsimg-${(JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@tsimg/core')), 'utf8')) as { version: string }).version}`

const constScope = CONSTANTS

function constString(a: Attr, file: string): string {
  try {
    return String(evaluate(a.raw as Node, constScope))
  } catch (err) {
    // Packer evaluates these before any variable is known: "Variables not allowed" (1.6.6 and later).
    const why = /unknown name "(var|local)"/.test((err as Error).message)
      ? 'Packer does not allow variables here either ("Variables not allowed"): it reads names before variables'
      : (err as Error).message
    throw packerError(
      { file, line: a.line },
      a.name,
      `must be a plain string (${why})`,
      'Write the name as a string; a build-time name can go in a variable used by the provisioners or post-processors.',
    )
  }
}

function constList(a: Attr, file: string): string[] {
  try {
    const v = evaluate(a.raw as Node, constScope)
    if (Array.isArray(v)) return v.map(String)
  } catch {
    // reported below
  }
  throw packerError({ file, line: a.line }, a.name, 'must be a list of plain strings, e.g. ["source.docker.web"]')
}

/** HCL values: var., local., source., path., build. and the functions, by Packer's rules. */
function hclEvaluator(templateDir: string, locals: readonly (Attr & { file: string })[], data: readonly PackerPlugin[]): Evaluator {
  return {
    begin(ctx) {
      const functions: Record<string, Fn> = hclFunctions({
        mode: ctx.mode,
        templateDir,
        cwd: ctx.cwd,
        timestamp: ctx.timestamp,
        env: ctx.env,
        templatefile: (path, v) => renderFile(path, v, functions),
      })
      const vars = ctx.mode === 'convert' ? Object.fromEntries(Object.keys(ctx.vars).map((k) => [k, code(`vars.${k}`)])) : ctx.vars
      const localValues: Record<string, unknown> = {}
      const busy = new Set<string>()
      const local = new Proxy(localValues, {
        get(target, p) {
          const name = String(p)
          if (name in target) return target[name]
          const l = locals.find((x) => x.name === name)
          if (!l) throw new EvalError(`local.${name} is not defined`)
          if (busy.has(name)) throw new EvalError(`local.${name} refers to itself`, undefined, l.line)
          busy.add(name)
          target[name] = evaluate(l.raw as Node, scope(undefined))
          busy.delete(name)
          return target[name]
        },
        has: (_t, p) => locals.some((x) => x.name === String(p)),
      })
      const scope = (source?: { type: string; name: string }, extra: Record<string, unknown> = {}): HclScope => ({
        names: {
          ...extra,
          var: ctx.defaults ? {} : vars,
          local,
          data: dataNames(data),
          path: { root: ctx.mode === 'convert' ? code('templateDir') : templateDir, cwd: ctx.mode === 'convert' ? code('process.cwd()') : ctx.cwd },
          // Packer's own version; here the engine that runs the template says what it is.
          packer: { version: TSIMG_VERSION },
          // Outside a source (provisioners run on each), the build fills these in when it runs.
          source: source ? { name: source.name, type: source.type } : { name: '{{ .BuildName }}', type: '{{ .BuilderType }}' },
        },
        functions: ctx.defaults
          ? functions
          : {
              ...functions,
              env: () => {
                throw new EvalError('env() can only be used in a variable default (as in Packer)')
              },
            },
        buildValue: (name) => (name === 'name' ? (source?.name ?? '{{ .BuildName }}') : `{{ .${name} }}`),
      })
      // A dynamic block's iterator is one more name for the expressions of its content.
      const session = (extra: Record<string, unknown>): EvalSession => ({
        run: { mode: ctx.mode, env: ctx.env },
        value(raw, _file, line, source) {
          try {
            return evaluate(raw as Node, scope(source, extra))
          } catch (err) {
            if (err instanceof EvalError) throw new EvalError(err.message, err.hint, err.line ?? line)
            throw err
          }
        },
        with: (names) => session({ ...extra, ...names }),
      })
      return session({})
    },
  }
}

/** templatefile(): the file's text read as a heredoc, so it gets HCL's template syntax, with only the given names. */
function renderFile(path: string, vars: Record<string, unknown>, functions: Record<string, Fn>): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new EvalError(`templatefile(): cannot read ${path}`)
  }
  const newline = text.endsWith('\n')
  const root = parseHclLoaded(`x = <<TSIMG_TEMPLATEFILE_END\n${newline ? text : `${text}\n`}TSIMG_TEMPLATEFILE_END\n`)
  const bad = firstSyntaxError(root)
  if (bad) throw new EvalError(`templatefile(): ${path}:${bad.line - 1}: template syntax error near "${bad.text}"`)
  const attr = named(named(root).find((n) => n.type === 'body')!)[0]!
  const out = String(evaluate(named(attr)[1]!, { names: vars, functions, buildValue: () => undefined }))
  return newline ? out : out.replace(/\n$/, '')
}

/**
 * A data source tsimg does not read, refused before anything is created. Packer would look the
 * value up over the network (amazon-parameterstore: SSM GetParameter with the AWS credentials);
 * tsimg has no client for it, so the hint says how to pass the value in as a variable.
 */
function unsupportedDataSource(at: { file: string; line: number }, type: string, name: string, body: Body): Error {
  const field = `data "${type}" "${name}"`
  if (type === 'amazon-parameterstore' || type === 'amazon-secretsmanager') {
    const nameAttr = body.attrs.find((a) => a.name === 'name')
    const param =
      nameAttr && typeof nameAttr.raw === 'object' && nameAttr.raw !== null && 'text' in nameAttr.raw
        ? String((nameAttr.raw as { text: string }).text).replace(/^"|"$/g, '')
        : '<name>'
    const fetch =
      type === 'amazon-parameterstore'
        ? `aws ssm get-parameter --name ${param} --with-decryption --query Parameter.Value --output text`
        : `aws secretsmanager get-secret-value --secret-id ${param} --query SecretString --output text`
    const v = name.replace(/[^A-Za-z0-9_]/g, '_')
    return packerError(
      at,
      field,
      `data source "${type}" is not supported by tsimg: it would read AWS ${type === 'amazon-parameterstore' ? 'Systems Manager Parameter Store' : 'Secrets Manager'}, which tsimg has no client for`,
      `Declare variable "${v}" { type = string${type === 'amazon-secretsmanager' ? ', sensitive = true' : ''} }, use var.${v} where data.${type}.${name}.value is used, and set it from the store: PKR_VAR_${v}="$(${fetch})" tsimg build <template>`,
    )
  }
  return packerError(
    at,
    field,
    `data source "${type}" is not supported by tsimg`,
    "tsimg reads amazon-ami data sources (Packer's alicloud and huaweicloud plugins have none: their sources take image_family and source_image_filter); use a variable for the value this one would look up.",
  )
}
