import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import ts from 'typescript'

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

/**
 * Reads every model class of the packages (each `[package, version dir]`), keyed
 * `<service>:<Class>` (`vpc:SecurityGroup` and `ecs:SecurityGroup` differ); a class refers to
 * classes of its own package, as its relative imports do.
 */
export function loadModels(packages: ReadonlyArray<readonly [string, string]>): Map<string, ModelClass> {
  const classes = new Map<string, ModelClass>()
  const enums = new Map<string, Array<string | number>>()
  const pending: Array<{ name: string; fields: Map<string, ts.TypeNode>; file: ts.SourceFile; service: string }> = []
  for (const [pkg, version] of packages) {
    const service = pkg.replace(/^.*huaweicloud-sdk-/, '')
    const dir = modelDir(pkg, version)
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.d.ts'))) {
      const text = readFileSync(join(dir, f), 'utf8')
      const js = readFileSync(join(dir, f.replace(/\.d\.ts$/, '.js')), 'utf8')
      const wireOf = new Map<string, string>()
      for (const m of js.matchAll(/\bwith(\w+)\((\w+)\)\s*\{\s*this\['([^']+)'\]\s*=\s*\2;/g)) wireOf.set(m[1]!, m[3]!)
      const file = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true)
      for (const st of file.statements) {
        if (ts.isEnumDeclaration(st)) {
          enums.set(`${service}:${st.name.text}`, st.members.map((m) => (m.initializer && ts.isStringLiteral(m.initializer) ? m.initializer.text : m.initializer && ts.isNumericLiteral(m.initializer) ? Number(m.initializer.text) : m.name.getText(file))))
        }
        if (!ts.isClassDeclaration(st) || !st.name) continue
        const fields = new Map<string, ts.TypeNode>()
        for (const member of st.members) {
          if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue
          const with_ = /^with(\w+)$/.exec(member.name.text)
          const param = member.parameters[0]
          if (!with_ || !param?.type) continue
          const wire = wireOf.get(with_[1]!)
          if (wire) fields.set(wire, param.type)
        }
        pending.push({ name: st.name.text, fields, file, service })
      }
    }
  }
  const convert = (node: ts.TypeNode, file: ts.SourceFile, service: string): ModelType => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword: return { kind: 'string' }
      case ts.SyntaxKind.NumberKeyword: return { kind: 'number' }
      case ts.SyntaxKind.BooleanKeyword: return { kind: 'boolean' }
      case ts.SyntaxKind.AnyKeyword: case ts.SyntaxKind.ObjectKeyword: case ts.SyntaxKind.UnknownKeyword: return { kind: 'any' }
    }
    if (ts.isArrayTypeNode(node)) return { kind: 'array', of: convert(node.elementType, file, service) }
    if (ts.isUnionTypeNode(node)) return { kind: 'union', of: node.types.map((t) => convert(t, file, service)) }
    if (ts.isParenthesizedTypeNode(node)) return convert(node.type, file, service)
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration)
      return index?.type ? { kind: 'map', of: convert(index.type, file, service) } : { kind: 'any' }
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText(file)
      const args = node.typeArguments ?? []
      if (name === 'Array' && args[0]) return { kind: 'array', of: convert(args[0], file, service) }
      if ((name === 'Map' || name === 'Record') && args[1]) return { kind: 'map', of: convert(args[1], file, service) }
      if (name === 'Date') return { kind: 'date' }
      if (name === 'object') return { kind: 'any' }
      if (enums.has(`${service}:${name}`)) return { kind: 'enum', name, values: enums.get(`${service}:${name}`)! }
      return { kind: 'class', name: `${service}:${name}` }
    }
    return { kind: 'any' }
  }
  for (const p of pending) {
    const fields = new Map<string, ModelType>()
    for (const [wire, node] of p.fields) fields.set(wire, convert(node, p.file, p.service))
    classes.set(`${p.service}:${p.name}`, { name: `${p.service}:${p.name}`, fields })
  }
  return classes
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
    case 'array': return `Array<${describe(t.of)}>`
    case 'map': return `{[k]: ${describe(t.of)}}`
    case 'class': return t.name
    case 'enum': return `${t.name}(${t.values.join('|')})`
    case 'union': return t.of.map(describe).join(' | ')
    default: return t.kind
  }
}

const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)

/** Checks an answer (parsed JSON) against a model class; fields are counted where declared. */
export function checkAnswer(models: ReadonlyMap<string, ModelClass>, className: string, value: unknown, path = ''): CheckReport {
  const report = { checked: [] as string[], mismatches: [] as string[], undeclared: [] as string[] }
  const matches = (v: unknown, t: ModelType, at: string, r: CheckReport): boolean => {
    if (v === null) return true // Go and Node decode null into an unset field
    switch (t.kind) {
      case 'any': return true
      case 'string': return typeof v === 'string'
      case 'number': return typeof v === 'number' && Number.isFinite(v)
      case 'boolean': return typeof v === 'boolean'
      case 'date': return typeof v === 'string' && DATE.test(v)
      case 'enum': return t.values.includes(v as string | number)
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
