import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { goGlob } from './glob.js'
import {
  LineCounter,
  parseDocument,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  stringify,
  visit,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml'
import { loadVars } from './vars.js'
import { GossfileError } from './errors.js'
import { type At, checkMatcher } from './check-matcher.js'
import { COMMON_KEYS, GOSSFILE_KEYS, RESOURCES, type OptionKind } from './schema.js'
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
  const warnings: string[] = []
  await loadOne(text, top, { vars, env, warnings }, [], files, checks)
  return { file: top, files, checks: [...checks.values()], vars, warnings }
}

interface TemplateScope {
  readonly vars: Record<string, unknown>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly warnings: string[]
}

async function loadOne(
  text: string,
  file: string,
  scope: TemplateScope,
  parents: readonly string[],
  files: string[],
  out: Map<string, GossCheck>,
): Promise<void> {
  if (parents.length >= MAX_DEPTH) throw new GossfileError(file, 1, 'gossfile', `includes nest ${MAX_DEPTH} deep`)
  files.push(file)
  const { root, at, aliased } = parseRendered(text, file, scope)
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
          if (!(GOSSFILE_KEYS as readonly string[]).includes(a.key))
            throw unknownKey(file, at(a.keyNode), `gossfile.${inc.key}.${a.key}`, 'gossfile include', GOSSFILE_KEYS)
          if (a.key === 'file') target = expectKind(a.value, 'string', file, at(a.valueNode ?? a.keyNode), `gossfile.${inc.key}.file`) as string
          if (a.key === 'skip') skip = expectKind(a.value, 'bool', file, at(a.valueNode ?? a.keyNode), `gossfile.${inc.key}.skip`) as boolean
        }
        if (!skip) includes.push({ key: inc.key, target, where: at(inc.keyNode) })
      }
      continue
    }
    // a top-level key that only holds an anchor used elsewhere (`common: &common ...`), as
    // Kubernetes image-builder writes them: goss ignores keys it does not know, so does tsimg here
    const anchor = (pair.value as { anchor?: string } | null)?.anchor
    if (!(RESOURCE_TYPES as readonly string[]).includes(type) && anchor && aliased.has(anchor)) continue
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
      throw new GossfileError(file, where.line, type, `unknown resource type`, `tsimg interprets gossfile, ${RESOURCE_TYPES.join(', ')}`)
    }
    for (const res of entries(pair.value, file, at, type)) {
      const check = readCheck(type as ResourceType, res.key, res.valueNode, file, at, at(res.keyNode), scope.warnings)
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
      // goss would recurse until its depth limit; say which includes go round
      const loop = [...parents, file]
      if (loop.includes(m)) {
        const chain = [...loop.slice(loop.indexOf(m)), m].map((f) => basename(f)).join(' -> ')
        throw new GossfileError(
          file,
          inc.where.line,
          `gossfile.${inc.key}`,
          `includes ${basename(m)} again (${chain}): a loop of gossfile includes`,
          'goss stops such a loop at 50 levels with "max depth of 50 reached"; give the include a pattern that does not match its own file',
        )
      }
      let sub: string
      try {
        sub = await readFile(m, 'utf8')
      } catch (err) {
        throw new GossfileError(file, inc.where.line, `gossfile.${inc.key}`, `cannot read ${m}: ${(err as Error).message}`)
      }
      await loadOne(sub, m, scope, [...parents, file], files, out)
    }
  }
}

/** Renders the template, parses the YAML and returns the root map with a node-to-line function in gossfile lines. */
function parseRendered(text: string, file: string, scope: TemplateScope): { root: ReturnType<typeof asMap>; at: At; aliased: Set<string> } {
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
      throw new GossfileError(
        file,
        err.line,
        'template',
        err.message,
        'goss templates are Go text/template: {{ .Vars.name }}, {{ .Env.NAME }}, {{ getEnv "NAME" "default" }}',
      )
    }
    throw err
  }
  const lc = new LineCounter()
  const doc = parseDocument(rendered, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, version: '1.2', keepSourceTokens: true, merge: true })
  const srcLine = (offset: number) => {
    const l = lc.linePos(offset).line
    return lineMap[l - 1] ?? lineMap.at(-1) ?? l
  }
  const at: At = (node) => ({ file, line: node?.range ? srcLine(node.range[0]) : 1 })
  const first = doc.errors[0]
  if (first) {
    const msg = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')
    throw new GossfileError(
      file,
      srcLine(first.pos[0]),
      'yaml',
      first.code === 'DUPLICATE_KEY' ? `${msg} (a key written twice: goss would keep only one)` : msg,
    )
  }
  const aliased = new Set<string>()
  visit(doc, { Alias: (_k, node) => void aliased.add(node.source) })
  // An alias the gossfile writes in a template branch this run leaves out still marks its anchor
  // as a holder (image-builder's goss-package.yaml: `<<: *kubernetes_version` under an {{if}}
  // that flatcar's vars skip).
  for (const m of text.matchAll(/(?:^|[\s[{,])\*([^\s,[\]{}]+)/gm)) aliased.add(m[1]!)
  expandMerges(doc)
  // each alias becomes a copy of what it names, so every part of the tree reads on its own
  visit(doc, { Alias: (_k, node) => (node.resolve(doc) as YamlNode | undefined)?.clone() as YamlNode | undefined })
  return { root: asMap(doc.contents, file, at), at, aliased }
}

/**
 * YAML merge keys (`<<: *common`, as goss's YAML reader takes them): each map gets the pairs of
 * the maps it merges that it does not set itself, so every attribute keeps its own line.
 */
function isMergeKey(p: Pair): boolean {
  // with merge keys on, the parser gives `<<` a symbol
  return isScalar(p.key) && (p.key.value === '<<' || typeof p.key.value === 'symbol')
}

function expandMerges(doc: Document): void {
  const done = new Set<YAMLMap>()
  const expand = (map: YAMLMap) => {
    if (done.has(map)) return
    done.add(map)
    const own = (map.items as Pair[]).filter((p) => !isMergeKey(p))
    if (own.length === map.items.length) return
    const seen = new Set(own.map((p) => String((p.key as { value?: unknown }).value)))
    const merged: Pair[] = []
    for (const p of map.items as Pair[]) {
      if (!isMergeKey(p)) continue
      const sources = isSeq(p.value) ? p.value.items : [p.value]
      for (const src of sources) {
        const target = isAlias(src) ? src.resolve(doc) : src
        if (!isMap(target)) continue
        expand(target)
        for (const q of target.items as Pair[]) {
          const k = String((q.key as { value?: unknown }).value)
          if (!seen.has(k)) {
            seen.add(k)
            merged.push(q)
          }
        }
      }
    }
    map.items = [...own, ...merged]
  }
  visit(doc, { Map: (_k, map) => void expand(map) })
}

function asMap(node: unknown, file: string, at: At) {
  if (node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) return null
  if (!isMap(node))
    throw new GossfileError(
      file,
      at(node as YamlNode).line,
      'gossfile',
      'the top of a gossfile must be a map of resource types (package:, file:, service: ...)',
    )
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

function readCheck(type: ResourceType, id: string, node: unknown, file: string, at: At, where: Where, warnings: string[]): GossCheck {
  const spec = RESOURCES[type]
  const path = `${type}.${id}`
  if (node === null || node === undefined || (isScalar(node) && (node as { value: unknown }).value === null)) {
    throw new GossfileError(file, where.line, path, `could not parse resource ${spec.name}:${id} (it has no attributes)`)
  }
  const attrs = mapOf(node, file, at, path)
  const allowed = [
    ...spec.attributes.map((a) => a.key),
    ...(spec.idAttr ? [spec.idAttr] : []),
    ...Object.keys(spec.options),
    ...COMMON_KEYS,
    ...(type === 'dns' ? ['resolveable'] : []),
  ]
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
    legacyOctal(a.valueNode, file, at, keyPath)
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
      if (a.value === null) {
        // goss validates an attribute it always checks (installed, exists...) even when null and
        // fails it; an optional one (a package's versions, a file's mode) it checks only when not
        // nil, so an empty value is as if left out (image-builder's goss-package.yaml leaves
        // kubernetes-cni's versions empty when no deb/rpm version is given)
        if (attr.required) throw new GossfileError(file, w.line, keyPath, 'Syntax Error: Missing required attribute (the value is empty)')
        continue
      }
      const asReader = type === 'matching' && attrs.some((x) => x.key === 'as-reader' && x.value === true)
      checkMatcher(a.value, a.valueNode, attr.reader === true || asReader, file, at, keyPath)
      if (attr.reader && Array.isArray(a.value) && a.value.length === 0) {
        // goss does not check an empty pattern list at all (zero conditions), and warns
        warnings.push(
          `${file}:${w.line}: ${id}: ${type}.${key} is an empty list, which asserts nothing and always passes. Use "" to assert empty content, or remove it.`,
        )
        continue
      }
      attributes.push({ name: key, property: attr.property ?? key, value: a.value, reader: attr.reader === true, where: w })
    }
  }
  for (const req of spec.attributes.filter((x) => x.required)) {
    if (!attributes.some((x) => x.name === req.key)) {
      throw new GossfileError(
        file,
        where.line,
        path,
        `missing required attribute "${req.key}"`,
        `goss fails this resource with "Syntax Error: Missing required attribute"; write ${req.key}: <expected value>`,
      )
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

/**
 * goss's YAML reader (YAML 1.1 rules) takes an unquoted 0644 as the octal number 420, which
 * never equals the "0644" a file has; tsimg's reader would take it as 644 and pass. Neither is
 * what was meant: ask for quotes.
 */
function legacyOctal(node: YamlNode | null, file: string, at: At, path: string): void {
  if (!node) return
  if (isScalar(node)) {
    const src = (node as { srcToken?: { source?: string } }).srcToken?.source
    if (node.type === 'PLAIN' && src && /^[-+]?0[0-7]+$/.test(src)) {
      throw new GossfileError(
        file,
        at(node).line,
        path,
        `${src} unquoted is the octal number ${Number.parseInt(src, 8)} to goss, not ${JSON.stringify(src)}`,
        `quote it: "${src}"`,
      )
    }
    return
  }
  if (isSeq(node)) node.items.forEach((n, i) => legacyOctal(n as YamlNode, file, at, `${path}[${i}]`))
  else if (isMap(node))
    for (const p of node.items as Pair<YamlNode, YamlNode | null>[]) legacyOctal(p.value, file, at, `${path}.${String((p.key as { value?: unknown }).value)}`)
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

function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return /^\d+$/.test(s) ? Number(s) : undefined
  let total = 0
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!
  return total
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
    // an http check's password is a secret: render says one is set, never what it is
    for (const [k, v] of Object.entries(c.options)) r[k] = k === 'password' && v ? '<sensitive>' : v
    if (c.skip) r.skip = true
    ;(out[c.type] ??= {})[c.id] = r
  }
  return stringify(out, { lineWidth: 0 })
}
