import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { goGlob } from './glob.js'
import { LineCounter, parseDocument, isMap, isScalar, isSeq, stringify, type Node as YamlNode, type Pair } from 'yaml'
import { GossfileError } from './errors.js'
import { COMMON_KEYS, GOSSFILE_KEYS, MATCHERS, RESOURCES, type OptionKind } from './schema.js'
import { renderTemplate, TemplateExecError, TemplateSyntaxError } from './template/exec.js'
import { goString } from './template/funcs.js'
import { RESOURCE_TYPES, type ExpectedAttribute, type GossCheck, type GossSuite, type LoadOptions, type ResourceType, type Where } from './types.js'

const MAX_DEPTH = 50

/**
 * Reads a gossfile, its `gossfile:` includes (globs, relative to the including file) and its
 * template variables (`{{ .Vars.x }}`, `{{ .Env.X }}`). Anything tsimg does not interpret
 * (a resource type, attribute, matcher) is a GossfileError naming file:line and the key.
 */
export async function loadGossfile(path: string, options: LoadOptions = {}): Promise<GossSuite> {
  const file = resolve(path)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new GossfileError(file, 0, 'gossfile', `cannot read the gossfile: ${(err as Error).message}`)
  }
  return parseGossfile(text, file, options)
}

/** The same as loadGossfile for a gossfile's text (includes resolve relative to `file`). */
export async function parseGossfile(text: string, file: string, options: LoadOptions = {}): Promise<GossSuite> {
  const top = resolve(file)
  const vars = await loadVars(options)
  const env = options.env ?? process.env
  const checks = new Map<string, GossCheck>()
  const files: string[] = []
  await loadOne(text, top, { vars, env }, 0, files, checks)
  return { file: top, files, checks: [...checks.values()], vars }
}

interface TemplateScope {
  readonly vars: Record<string, unknown>
  readonly env: Readonly<Record<string, string | undefined>>
}

async function loadOne(text: string, file: string, scope: TemplateScope, depth: number, files: string[], out: Map<string, GossCheck>): Promise<void> {
  if (depth >= MAX_DEPTH) throw new GossfileError(file, 1, 'gossfile', `includes nest ${MAX_DEPTH} deep, possibly a loop of gossfile includes`)
  files.push(file)
  const { root, at } = parseRendered(text, file, scope)
  if (root === null) return
  const includes: { key: string; target: string; where: Where }[] = []
  for (const pair of root.items as Pair<YamlNode, YamlNode | null>[]) {
    const type = scalarKey(pair.key, file, at)
    const where = at(pair.key)
    if (type === 'gossfile') {
      for (const inc of entries(pair.value, file, at, 'gossfile')) {
        const attrs = mapOf(inc.valueNode, file, at, `gossfile.${inc.key}`)
        let target = inc.key
        let skip = false
        for (const a of attrs) {
          if (!(GOSSFILE_KEYS as readonly string[]).includes(a.key)) throw unknownKey(file, at(a.keyNode), `gossfile.${inc.key}.${a.key}`, 'gossfile include', GOSSFILE_KEYS)
          if (a.key === 'file') target = expectKind(a.value, 'string', file, at(a.valueNode ?? a.keyNode), `gossfile.${inc.key}.file`) as string
          if (a.key === 'skip') skip = expectKind(a.value, 'bool', file, at(a.valueNode ?? a.keyNode), `gossfile.${inc.key}.skip`) as boolean
        }
        if (!skip) includes.push({ key: inc.key, target, where: at(inc.keyNode) })
      }
      continue
    }
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
      throw new GossfileError(file, where.line, type, `unknown resource type`, `tsimg interprets gossfile, ${RESOURCE_TYPES.join(', ')}`)
    }
    for (const res of entries(pair.value, file, at, type)) {
      const check = readCheck(type as ResourceType, res.key, res.valueNode, file, at, at(res.keyNode))
      out.delete(`${type}\u0000${res.key}`)
      out.set(`${type}\u0000${res.key}`, check)
    }
  }
  // goss merges includes sorted by key, each after the including file's own resources
  includes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (const inc of includes) {
    const pattern = isAbsolute(inc.target) ? inc.target : join(dirname(file), inc.target)
    const matches = await goGlob(pattern)
    if (!matches.length) throw new GossfileError(file, inc.where.line, `gossfile.${inc.key}`, `no matched files were found: ${JSON.stringify(pattern)}`)
    for (const m of matches) {
      let sub: string
      try {
        sub = await readFile(m, 'utf8')
      } catch (err) {
        throw new GossfileError(file, inc.where.line, `gossfile.${inc.key}`, `cannot read ${m}: ${(err as Error).message}`)
      }
      await loadOne(sub, m, scope, depth + 1, files, out)
    }
  }
}

type At = (node: YamlNode | null | undefined) => Where

/** Renders the template, parses the YAML and returns the root map with a node-to-line function in gossfile lines. */
function parseRendered(text: string, file: string, scope: TemplateScope): { root: ReturnType<typeof asMap>; at: At } {
  let rendered: string
  let lineMap: readonly number[]
  try {
    const r = renderTemplate(text, {
      dot: { Vars: scope.vars, Env: { ...scope.env } },
      funcs: templateFuncs(file, scope.env),
    })
    rendered = r.text
    lineMap = r.lineMap
  } catch (err) {
    if (err instanceof TemplateSyntaxError || err instanceof TemplateExecError) {
      throw new GossfileError(file, err.line, 'template', err.message, 'goss templates are Go text/template: {{ .Vars.name }}, {{ .Env.NAME }}, {{ getEnv "NAME" "default" }}')
    }
    throw err
  }
  const lc = new LineCounter()
  const doc = parseDocument(rendered, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, version: '1.2' })
  const srcLine = (offset: number) => {
    const l = lc.linePos(offset).line
    return lineMap[l - 1] ?? lineMap.at(-1) ?? l
  }
  const at: At = (node) => ({ file, line: node?.range ? srcLine(node.range[0]) : 1 })
  const first = doc.errors[0]
  if (first) {
    const msg = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')
    throw new GossfileError(file, srcLine(first.pos[0]), 'yaml', first.code === 'DUPLICATE_KEY' ? `${msg} (a key written twice: goss would keep only one)` : msg)
  }
  return { root: asMap(doc.contents, file, at), at }
}

function asMap(node: unknown, file: string, at: At) {
  if (node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) return null
  if (!isMap(node)) throw new GossfileError(file, at(node as YamlNode).line, 'gossfile', 'the top of a gossfile must be a map of resource types (package:, file:, service: ...)')
  return node
}

/** Go-side template functions that read the environment or files. */
function templateFuncs(file: string, env: Readonly<Record<string, string | undefined>>) {
  return {
    getEnv: (key: unknown, ...def: unknown[]) => {
      const v = env[String(key)] ?? ''
      return v === '' && def.length ? String(def[0]) : v
    },
    env: (key: unknown) => env[String(key)] ?? '',
    expandenv: (s: unknown) => String(s).replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, k: string) => env[k] ?? ''),
    // goss reads the file where goss runs; tsimg reads it here, relative to the gossfile
    readFile: (f: unknown) => readFileSync(isAbsolute(String(f)) ? String(f) : join(dirname(file), String(f)), 'utf8').trim(),
  }
}

function scalarKey(node: unknown, file: string, at: At): string {
  if (!isScalar(node)) throw new GossfileError(file, at(node as YamlNode).line, 'key', 'keys must be plain strings')
  return String(node.value)
}

interface Entry {
  key: string
  keyNode: YamlNode
  value: unknown
  valueNode: YamlNode | null
}

/** The entries of a map node (`service:` -> `sshd:` ...); null is an empty map. */
function entries(node: unknown, file: string, at: At, path: string): Entry[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return []
  if (!isMap(node)) throw new GossfileError(file, at(node as YamlNode).line, path, 'expected a map of resources')
  return (node.items as Pair<YamlNode, YamlNode | null>[]).map((p) => ({
    key: scalarKey(p.key, file, at),
    keyNode: p.key,
    value: p.value && typeof (p.value as { toJSON?: unknown }).toJSON === 'function' ? (p.value as YamlNode).toJSON() : null,
    valueNode: p.value,
  }))
}

function mapOf(node: unknown, file: string, at: At, path: string): Entry[] {
  if (node === null || node === undefined || (isScalar(node) && node.value === null)) return []
  if (!isMap(node)) {
    throw new GossfileError(file, at(node as YamlNode).line, path, `could not parse the resource: expected a map of attributes, found ${describeNode(node)}`)
  }
  return entries(node, file, at, path)
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) return JSON.stringify(node.value)
  return 'a value'
}

function unknownKey(file: string, where: Where, key: string, what: string, allowed: readonly string[]): GossfileError {
  return new GossfileError(file, where.line, key, `unknown attribute of ${what}`, `goss accepts: ${allowed.join(', ')}`)
}

function readCheck(type: ResourceType, id: string, node: unknown, file: string, at: At, where: Where): GossCheck {
  const spec = RESOURCES[type]
  const path = `${type}.${id}`
  if (node === null || node === undefined || (isScalar(node) && (node as { value: unknown }).value === null)) {
    throw new GossfileError(file, where.line, path, `could not parse resource ${spec.name}:${id} (it has no attributes)`)
  }
  const attrs = mapOf(node, file, at, path)
  const allowed = [...spec.attributes.map((a) => a.key), ...(spec.idAttr ? [spec.idAttr] : []), ...Object.keys(spec.options), ...COMMON_KEYS, ...(type === 'dns' ? ['resolveable'] : [])]
  const attributes: ExpectedAttribute[] = []
  const options: Record<string, unknown> = {}
  for (const [k, o] of Object.entries(spec.options)) if (o.default !== undefined) options[k] = o.default
  let target = id
  let title: string | undefined
  let meta: Record<string, unknown> | undefined
  let skip = false
  for (const a of attrs) {
    const key = a.key === 'resolveable' ? 'resolvable' : a.key
    const keyPath = `${path}.${a.key}`
    const w = at(a.keyNode)
    if (!allowed.includes(a.key)) throw unknownKey(file, w, keyPath, `${spec.name}`, allowed)
    if (a.key === spec.idAttr) {
      target = String(expectKind(a.value, 'string', file, w, keyPath))
      continue
    }
    if (a.key === 'title') title = String(expectKind(a.value, 'string', file, w, keyPath))
    else if (a.key === 'skip') skip = expectKind(a.value, 'bool', file, w, keyPath) as boolean
    else if (a.key === 'meta') {
      if (a.value === null || typeof a.value !== 'object' || Array.isArray(a.value)) throw new GossfileError(file, w.line, keyPath, 'meta must be a map')
      meta = a.value as Record<string, unknown>
    } else if (key in spec.options) {
      const o = spec.options[key]!
      const v = expectKind(a.value, o.kind, file, w, keyPath)
      // goss treats 0 as "not set" for timeouts and uses its default
      options[key] = key === 'timeout' && v === 0 ? o.default : v
    } else {
      const attr = spec.attributes.find((x) => x.key === key)!
      if (attributes.some((x) => x.name === key)) throw new GossfileError(file, w.line, keyPath, `written twice (as resolvable and resolveable)`)
      if (a.value === null) throw new GossfileError(file, w.line, keyPath, 'Syntax Error: Missing required attribute (the value is empty)')
      checkMatcher(a.value, a.valueNode, attr.reader === true, file, at, keyPath)
      attributes.push({ name: key, property: attr.property ?? key, value: a.value, reader: attr.reader === true, where: w })
    }
  }
  for (const req of spec.attributes.filter((x) => x.required)) {
    if (!attributes.some((x) => x.name === req.key)) {
      throw new GossfileError(file, where.line, path, `missing required attribute "${req.key}"`, `goss fails this resource with "Syntax Error: Missing required attribute"; write ${req.key}: <expected value>`)
    }
  }
  if (type === 'matching' && !attrs.some((a) => a.key === 'content')) {
    throw new GossfileError(file, where.line, path, 'missing attribute "content" (what the matcher is matched against)')
  }
  // goss checks attributes in its own order, not the file's
  attributes.sort((x, y) => spec.attributes.findIndex((s) => s.key === x.name) - spec.attributes.findIndex((s) => s.key === y.name))
  return {
    type,
    id,
    target,
    ...(title !== undefined ? { title } : {}),
    ...(meta !== undefined ? { meta } : {}),
    skip,
    attributes,
    options,
    where: { file, line: where.line },
  }
}

/** Checks an option's value the way goss's typed struct field would unmarshal it. */
function expectKind(value: unknown, kind: OptionKind, file: string, w: Where, path: string): unknown {
  const fail = (what: string) => new GossfileError(file, w.line, path, `expected ${what}, found ${JSON.stringify(value)}`)
  switch (kind) {
    case 'any':
      return value
    case 'string':
      if (value === null) return ''
      if (typeof value === 'object') throw fail('a string')
      return typeof value === 'string' ? value : goString(value)
    case 'bool':
      if (typeof value !== 'boolean') throw fail('true or false')
      return value
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw fail('a whole number')
      return value
    case 'strings':
      if (!Array.isArray(value) || value.some((x) => typeof x === 'object')) throw fail('a list of strings')
      return value.map((x) => (typeof x === 'string' ? x : goString(x)))
    case 'duration': {
      // goss's retry_delay: milliseconds, or a Go duration such as 500ms or 2s
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
      if (typeof value === 'string') {
        const ms = parseGoDuration(value)
        if (ms !== undefined) return ms
      }
      throw fail('milliseconds or a duration such as 500ms, 2s')
    }
  }
}

export function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return /^\d+$/.test(s) ? Number(s) : undefined
  let total = 0
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!
  return total
}

/** Validates a matcher tree as goss converts it to gomega matchers, at the gossfile line of each part. */
function checkMatcher(value: unknown, node: YamlNode | null, reader: boolean, file: string, at: At, path: string): void {
  const line = at(node).line
  const bad = (name: string, expected: string, v: unknown) =>
    new GossfileError(file, line, path, `Syntax Error: Invalid '${name}' argument. Expected ${expected} value, but received: ${JSON.stringify(v)}`)
  if (value === null || value === undefined) throw new GossfileError(file, line, path, 'Syntax Error: Missing required attribute')
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return
  if (Array.isArray(value)) {
    const items = isSeq(node) ? node.items : []
    value.forEach((v, i) => {
      if (reader && typeof v !== 'string') throw new GossfileError(file, at(items[i] as YamlNode).line, `${path}[${i}]`, `a pattern must be a string (text, !text, /regex/ or !/regex/), found ${JSON.stringify(v)}`)
      if (reader) checkPattern(v as string, file, at(items[i] as YamlNode).line, `${path}[${i}]`)
      else checkMatcher(v, (items[i] as YamlNode) ?? node, false, file, at, `${path}[${i}]`)
    })
    return
  }
  const keys = Object.keys(value as object)
  if (keys.length !== 1) {
    throw new GossfileError(file, line, path, `Syntax Error: Invalid matcher configuration. At a given nesting level, only one matcher is allowed. Found multiple matchers: ${JSON.stringify(keys)}`)
  }
  const name = keys[0]!
  const arg = (value as Record<string, unknown>)[name]
  const argNode = isMap(node) ? ((node.items[0] as Pair<YamlNode, YamlNode>).value ?? node) : node
  const sub = `${path}.${name}`
  if (!(MATCHERS as readonly string[]).includes(name)) {
    throw new GossfileError(file, isMap(node) ? at((node.items[0] as Pair<YamlNode, YamlNode>).key).line : line, sub, `Syntax Error: Unknown matcher: ${name}`, `tsimg interprets ${MATCHERS.join(', ')}`)
  }
  const list = (what: string) => {
    if (!Array.isArray(arg)) throw bad(what, 'array', arg)
    const items = isSeq(argNode) ? argNode.items : []
    arg.forEach((v, i) => checkMatcher(v, (items[i] as YamlNode) ?? argNode, false, file, at, `${sub}[${i}]`))
  }
  switch (name) {
    case 'equal':
      return
    case 'have-prefix':
    case 'have-suffix':
    case 'match-regexp':
    case 'contain-substring':
    case 'semver-constraint':
      if (typeof arg !== 'string') throw bad(name, 'string', arg)
      if (name === 'match-regexp') checkRegex(arg, file, line, sub)
      if (name === 'semver-constraint') checkSemverConstraint(arg, file, line, sub)
      return
    case 'have-len':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) throw bad(name, 'numeric', arg)
      return
    case 'have-patterns':
      if (!Array.isArray(arg)) throw bad(name, 'array', arg)
      arg.forEach((p, i) => {
        if (typeof p !== 'string') throw bad(name, 'string patterns', p)
        checkPattern(p, file, line, `${sub}[${i}]`)
      })
      return
    case 'have-key':
    case 'not':
      checkMatcher(arg, argNode, false, file, at, sub)
      return
    case 'have-key-with-value':
      if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || Object.keys(arg).length !== 1) throw bad(name, 'a one-entry map {key: value matcher}', arg)
      checkMatcher(Object.values(arg)[0], isMap(argNode) ? ((argNode.items[0] as Pair<YamlNode, YamlNode>).value ?? argNode) : argNode, false, file, at, sub)
      return
    case 'contain-element':
      if (!(typeof arg === 'string' || typeof arg === 'number' || (arg !== null && typeof arg === 'object' && !Array.isArray(arg)))) throw bad(name, 'matcher, string or numeric', arg)
      checkMatcher(arg, argNode, false, file, at, sub)
      return
    case 'contain-elements':
    case 'consist-of':
    case 'and':
    case 'or':
      list(name)
      return
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      if (typeof arg !== 'number' && !(typeof arg === 'string' && arg.trim() !== '' && !Number.isNaN(Number(arg)))) throw bad(name, 'numeric', arg)
      return
    case 'gjson':
      if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) throw bad(name, 'map', arg)
      if (isMap(argNode)) for (const p of argNode.items as Pair<YamlNode, YamlNode>[]) checkMatcher((p.value as YamlNode | null)?.toJSON() ?? null, p.value, false, file, at, `${sub}.${String((p.key as { value?: unknown }).value)}`)
      return
  }
}

/** A `/regex/` pattern (optionally `!`-negated, with i/m/s flags) must compile. */
function checkPattern(p: string, file: string, line: number, path: string): void {
  const core = p.startsWith('!') ? p.slice(1) : p
  if (!core.startsWith('/')) return
  const close = core.lastIndexOf('/')
  if (close <= 0 || !/^[ims]*$/.test(core.slice(close + 1))) return
  checkRegex(core.slice(1, close), file, line, path)
}

function checkRegex(re: string, file: string, line: number, path: string): void {
  try {
    toJsRegex(re)
  } catch (err) {
    throw new GossfileError(file, line, path, `invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`)
  }
}

/** Go (RE2) syntax to a JavaScript RegExp: named groups and leading inline flags. */
export function toJsRegex(re: string, extraFlags = ''): RegExp {
  let src = re.replace(/\(\?P</g, '(?<')
  let flags = extraFlags
  const m = /^\(\?([imsU]+)\)/.exec(src)
  if (m) {
    flags += m[1]!.replace(/U/g, '')
    src = src.slice(m[0].length)
  }
  return new RegExp(src, [...new Set(flags)].join(''))
}

function checkSemverConstraint(c: string, file: string, line: number, path: string): void {
  for (const part of c.split('||').flatMap((s) => s.trim().split(/\s+/))) {
    if (!/^(>=|<=|>|<|=|==|!=)?v?\d+(\.(\d+|[xX*]))?(\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?$/.test(part)) {
      throw new GossfileError(file, line, path, `invalid semver constraint part ${JSON.stringify(part)}`)
    }
  }
}

/** The merged suite as one gossfile (goss render), goss's defaults included: what `inspect` prints. */
export function renderSuite(suite: GossSuite): string {
  const out: Record<string, Record<string, Record<string, unknown>>> = {}
  for (const c of suite.checks) {
    const spec = RESOURCES[c.type]
    const r: Record<string, unknown> = {}
    if (c.title !== undefined) r.title = c.title
    if (c.meta !== undefined) r.meta = c.meta
    if (spec.idAttr && c.target !== c.id) r[spec.idAttr] = c.target
    for (const a of c.attributes) r[a.name] = a.value
    for (const [k, v] of Object.entries(c.options)) r[k] = v
    if (c.skip) r.skip = true
    ;(out[c.type] ??= {})[c.id] = r
  }
  return stringify(out, { lineWidth: 0 })
}

/** Loads vars_file then vars_inline (inline wins per top-level key, as goss merges them). */
async function loadVars(options: LoadOptions): Promise<Record<string, unknown>> {
  const vars: Record<string, unknown> = {}
  if (options.varsFile) {
    const f = resolve(options.varsFile)
    let text: string
    try {
      text = await readFile(f, 'utf8')
    } catch (err) {
      throw new GossfileError(f, 0, 'vars_file', `cannot read the vars file: ${(err as Error).message}`)
    }
    Object.assign(vars, parseVars(text, f, 'vars_file'))
  }
  if (options.varsInline !== undefined) {
    const inline = typeof options.varsInline === 'string' ? parseVars(options.varsInline, 'vars_inline', 'vars_inline') : options.varsInline
    Object.assign(vars, inline)
  }
  return vars
}

function parseVars(text: string, file: string, key: string): Record<string, unknown> {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false })
  const first = doc.errors[0]
  if (first) throw new GossfileError(file, lc.linePos(first.pos[0]).line, key, first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''))
  const v = doc.toJSON() as unknown
  if (v === null || v === undefined) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new GossfileError(file, 1, key, 'variables must be a map of names to values')
  return v as Record<string, unknown>
}

