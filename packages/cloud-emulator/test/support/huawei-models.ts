import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * The model classes of Huawei's official Node SDK (@huaweicloud/huaweicloud-sdk-ecs, -vpc, -iam)
 * as a type table: class -> wire field name -> declared type. The .d.ts gives each field's type
 * through its `withX(x: T)` method, the .js gives the wire name that method sets
 * (`this['public_key'] = publicKey`), so fields such as `OS-EXT-IPS:type` map exactly.
 */
export type ModelType =
  | { kind: 'string' | 'number' | 'boolean' | 'date' | 'any' }
  | { kind: 'array'; of: ModelType }
  | { kind: 'map'; of: ModelType }
  | { kind: 'class'; name: string }
  | { kind: 'enum'; name: string; values: ReadonlyArray<string | number> }
  | { kind: 'union'; of: ModelType[] }

export interface ModelClass {
  readonly name: string
  readonly fields: ReadonlyMap<string, ModelType>
}

const require = createRequire(import.meta.url)

function modelDir(pkg: string, version: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), version, 'model')
}

/** Splits a type's text at its top-level `|` (not inside <>, {}, ()). */
function splitUnion(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if ('<{('.includes(c)) depth++
    else if ('>})'.includes(c)) depth--
    else if (c === '|' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  parts.push(text.slice(start).trim())
  return parts.filter(Boolean)
}

/**
 * Reads every model class of the packages (each `[package, version dir]`), keyed
 * `<service>:<Class>` (`vpc:SecurityGroup` and `ecs:SecurityGroup` differ); a class refers to
 * classes of its own package, as its relative imports do. The declarations are regular
 * (`withX(x: T): Class;`, `export declare enum E { A = "a" }`), so they are read as text.
 */
export function loadModels(packages: ReadonlyArray<readonly [string, string]>): Map<string, ModelClass> {
  const classes = new Map<string, ModelClass>()
  const enums = new Map<string, Array<string | number>>()
  const pending: Array<{ name: string; fields: Map<string, string>; service: string }> = []
  for (const [pkg, version] of packages) {
    const service = pkg.replace(/^.*huaweicloud-sdk-/, '')
    const dir = modelDir(pkg, version)
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.d.ts'))) {
      const text = readFileSync(join(dir, f), 'utf8')
      const js = readFileSync(join(dir, f.replace(/\.d\.ts$/, '.js')), 'utf8')
      const wireOf = new Map<string, string>()
      for (const m of js.matchAll(/\bwith(\w+)\((\w+)\)\s*\{\s*this\['([^']+)'\]\s*=\s*\2;/g)) wireOf.set(m[1]!, m[3]!)
      for (const m of text.matchAll(/export declare enum (\w+) \{([^}]*)\}/g)) {
        const values = [...m[2]!.matchAll(/=\s*(?:"([^"]*)"|(-?[\d.]+))/g)].map((v) => (v[1] !== undefined ? v[1] : Number(v[2])))
        enums.set(`${service}:${m[1]}`, values)
      }
      const cls = /export declare class (\w+)/.exec(text)
      if (!cls) continue
      const fields = new Map<string, string>()
      // A type may span lines (`{\n [key: string]: Array<ServerAddress>;\n }`).
      for (const m of text.matchAll(/^\s+with(\w+)\(\w+: ([\s\S]+?)\): \w+;$/gm)) {
        const wire = wireOf.get(m[1]!)
        if (wire) fields.set(wire, m[2]!.replace(/\s+/g, ' '))
      }
      pending.push({ name: cls[1]!, fields, service })
    }
  }
  const convert = (raw: string, service: string): ModelType => {
    const alternatives = splitUnion(raw.trim())
    if (alternatives.length > 1) return { kind: 'union', of: alternatives.map((a) => convert(a, service)) }
    const text = alternatives[0] ?? ''
    if (text.startsWith('(') && text.endsWith(')')) return convert(text.slice(1, -1), service)
    if (text.endsWith('[]')) return { kind: 'array', of: convert(text.slice(0, -2), service) }
    const generic = /^(\w+)<(.+)>$/.exec(text)
    if (generic) {
      if (generic[1] === 'Array') return { kind: 'array', of: convert(generic[2]!, service) }
      if (generic[1] === 'Map' || generic[1] === 'Record') return { kind: 'map', of: convert(splitTop(generic[2]!).at(-1)!, service) }
    }
    const index = /^\{\s*\[\w+: string\]: (.+?);?\s*\}$/.exec(text)
    if (index) return { kind: 'map', of: convert(index[1]!, service) }
    if (text.startsWith('{')) return { kind: 'any' }
    switch (text) {
      case 'string':
        return { kind: 'string' }
      case 'number':
        return { kind: 'number' }
      case 'boolean':
        return { kind: 'boolean' }
      case 'Date':
        return { kind: 'date' }
      case 'any':
      case 'object':
      case 'unknown':
      case 'Object':
        return { kind: 'any' }
    }
    if (enums.has(`${service}:${text}`)) return { kind: 'enum', name: text, values: enums.get(`${service}:${text}`)! }
    return { kind: 'class', name: `${service}:${text}` }
  }
  for (const p of pending) {
    const fields = new Map<string, ModelType>()
    for (const [wire, type] of p.fields) fields.set(wire, convert(type, p.service))
    classes.set(`${p.service}:${p.name}`, { name: `${p.service}:${p.name}`, fields })
  }
  return classes
}

/** Splits generic arguments at top-level commas. */
function splitTop(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if ('<{('.includes(c)) depth++
    else if ('>})'.includes(c)) depth--
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  out.push(text.slice(start).trim())
  return out
}

/** A date the SDK models accept (Go's sdktime: ISO 8601 with or without zone and fraction, or 'YYYY-MM-DD HH:MM:SS'). */
const DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/

export interface CheckReport {
  /** Every field of an answer checked against a declared type (path in the answer). */
  readonly checked: string[]
  /** Type mismatches: `path: sent <json type>, model declares <type>`. */
  readonly mismatches: string[]
  /** Fields the answer carries that the model does not declare (a typed client drops them). */
  readonly undeclared: string[]
}

function describe(t: ModelType): string {
  switch (t.kind) {
    case 'array':
      return `Array<${describe(t.of)}>`
    case 'map':
      return `{[k]: ${describe(t.of)}}`
    case 'class':
      return t.name
    case 'enum':
      return `${t.name}(${t.values.join('|')})`
    case 'union':
      return t.of.map(describe).join(' | ')
    default:
      return t.kind
  }
}

const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)

/** Checks an answer (parsed JSON) against a model class; fields are counted where declared. */
export function checkAnswer(models: ReadonlyMap<string, ModelClass>, className: string, value: unknown, path = ''): CheckReport {
  const report = { checked: [] as string[], mismatches: [] as string[], undeclared: [] as string[] }
  const matches = (v: unknown, t: ModelType, at: string, r: CheckReport): boolean => {
    if (v === null) return true // Go and Node decode null into an unset field
    switch (t.kind) {
      case 'any':
        return true
      case 'string':
        return typeof v === 'string'
      case 'number':
        return typeof v === 'number' && Number.isFinite(v)
      case 'boolean':
        return typeof v === 'boolean'
      case 'date':
        return typeof v === 'string' && DATE.test(v)
      case 'enum':
        return t.values.includes(v as string | number)
      case 'union': {
        // The first alternative that fits, checked with its own report (a class alternative may nest).
        for (const alt of t.of) {
          const sub = { checked: [] as string[], mismatches: [] as string[], undeclared: [] as string[] }
          if (matches(v, alt, at, sub) && sub.mismatches.length === 0) {
            r.checked.push(...sub.checked)
            r.undeclared.push(...sub.undeclared)
            return true
          }
        }
        return false
      }
      case 'array':
        if (!Array.isArray(v)) return false
        v.forEach((x, i) => visit(x, t.of, `${at}[${i}]`, r))
        return true
      case 'map':
        if (typeof v !== 'object' || Array.isArray(v)) return false
        for (const [k, x] of Object.entries(v as object)) visit(x, t.of, `${at}.${k}`, r)
        return true
      case 'class': {
        const model = models.get(t.name)
        if (!model) return false // a class the packages do not declare: reported, never passed silently
        if (typeof v !== 'object' || Array.isArray(v)) return false
        for (const [k, x] of Object.entries(v as object)) {
          const field = model.fields.get(k)
          const sub = at ? `${at}.${k}` : k
          if (!field) r.undeclared.push(sub)
          else visit(x, field, sub, r)
        }
        return true
      }
    }
  }
  const visit = (v: unknown, t: ModelType, at: string, r: CheckReport): void => {
    if (at) r.checked.push(at)
    if (!matches(v, t, at, r)) r.mismatches.push(`${at}: sent ${jsonType(v)} ${JSON.stringify(v)?.slice(0, 60)}, model declares ${describe(t)}`)
  }
  const top = { ...(value as object) } as Record<string, unknown>
  delete top.httpStatusCode // added by the Node SDK, not sent
  matches(top, { kind: 'class', name: className }, path, report)
  return report
}

/** The declared type at a wire path such as `servers[].addresses` (undefined if the model lacks it). */
export function declaredAt(models: ReadonlyMap<string, ModelClass>, className: string, path: string): ModelType | undefined {
  let t: ModelType | undefined = { kind: 'class', name: className }
  for (const part of path.split('.')) {
    const [name, ...arrays] = part.split('[]')
    while (t && t.kind === 'union') t = t.of.find((x) => x.kind === 'class' || x.kind === 'array' || x.kind === 'map') ?? t.of[0]
    if (t?.kind !== 'class') return undefined
    t = models.get(t.name)?.fields.get(name!)
    for (let i = 1; i < arrays.length + 1; i++) t = t?.kind === 'array' ? t.of : undefined
  }
  return t
}

export { describe as describeType }
