/**
 * HCL's type constraints (`list(number)`, `object({a=string})`, `tuple([string, bool])`, `any`)
 * and the conversions HCL applies to a value given for one: "1" becomes 1 for a number, 1 becomes
 * "1" for a string, an object keeps only the attributes its type names and needs all but the
 * optional() ones. Written from the rules cty documents (its convert package), not its code.
 */
export type HclType =
  | { readonly kind: 'string' | 'number' | 'bool' | 'any' }
  | { readonly kind: 'list' | 'set' | 'map'; readonly of: HclType }
  | { readonly kind: 'object'; readonly attrs: Readonly<Record<string, HclType>>; readonly optional: readonly string[] }
  | { readonly kind: 'tuple'; readonly items: readonly HclType[] }

const TOKEN = /\s*(?:#[^\n]*|\/\/[^\n]*|([A-Za-z_][\w-]*|"(?:[^"\\]|\\.)*"|[(){}[\]=,:]))/y

/** Reads a type expression as written after `type =`; throws an Error saying what is wrong. */
export function parseType(text: string): HclType {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex
    const m = TOKEN.exec(text)
    if (!m) throw new Error(`unexpected "${text.slice(start).trim().slice(0, 20)}" in type ${text.trim()}`)
    if (m[1]) tokens.push(m[1])
  }
  let i = 0
  const peek = () => tokens[i]
  const take = (want?: string) => {
    const t = tokens[i++]
    if (t === undefined || (want !== undefined && t !== want))
      throw new Error(`expected ${want ? `"${want}"` : 'more'} in type ${text.trim()}${t === undefined ? '' : `, found "${t}"`}`)
    return t
  }
  const type = (): HclType => {
    const name = take()
    if (name === 'string' || name === 'number' || name === 'bool' || name === 'any') return { kind: name }
    if (name === 'list' || name === 'set' || name === 'map') {
      take('(')
      const of = type()
      take(')')
      return { kind: name, of }
    }
    if (name === 'tuple') {
      take('(')
      take('[')
      const items: HclType[] = []
      while (peek() !== ']') {
        items.push(type())
        if (peek() === ',') take(',')
      }
      take(']')
      take(')')
      return { kind: 'tuple', items }
    }
    if (name === 'object') {
      take('(')
      take('{')
      const attrs: Record<string, HclType> = {}
      const optional: string[] = []
      while (peek() !== '}') {
        const key = take()
        const k = key.startsWith('"') ? (JSON.parse(key) as string) : key
        if (!/^[A-Za-z_"]/.test(key)) throw new Error(`expected an attribute name in type ${text.trim()}, found "${key}"`)
        if (peek() === '=' || peek() === ':') take()
        else take('=')
        if (peek() === 'optional') {
          take()
          take('(')
          attrs[k] = type()
          if (peek() === ',') throw new Error(`optional() with a default value is not supported by tsimg yet (attribute "${k}")`)
          take(')')
          optional.push(k)
        } else {
          attrs[k] = type()
        }
        if (peek() === ',') take(',')
      }
      take('}')
      take(')')
      return { kind: 'object', attrs, optional }
    }
    throw new Error(`unknown type "${name}": HCL types are string, number, bool, any, list(T), set(T), map(T), object({...}) and tuple([...])`)
  }
  const t = type()
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}" after the type in ${text.trim()}`)
  return t
}

/** The type as HCL writes it: `list(number)`, `object({a=string, b=number})`. */
export function typeName(t: HclType): string {
  switch (t.kind) {
    case 'list':
    case 'set':
    case 'map':
      return `${t.kind}(${typeName(t.of)})`
    case 'object':
      return `object({${Object.entries(t.attrs)
        .map(([k, v]) => `${k}=${t.optional.includes(k) ? `optional(${typeName(v)})` : typeName(v)}`)
        .join(', ')}})`
    case 'tuple':
      return `tuple([${t.items.map(typeName).join(', ')}])`
    default:
      return t.kind
  }
}

/** The TypeScript type of a converted value, for the image.ts `tsimg convert` writes. */
export function tsType(t: HclType): string {
  switch (t.kind) {
    case 'string':
    case 'number':
      return t.kind
    case 'bool':
      return 'boolean'
    case 'any':
      return 'unknown'
    case 'list':
    case 'set':
      return `Array<${tsType(t.of)}>`
    case 'map':
      return `Record<string, ${tsType(t.of)}>`
    case 'tuple':
      return `[${t.items.map(tsType).join(', ')}]`
    case 'object': {
      const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k))
      const parts = Object.entries(t.attrs).map(([k, v]) => (t.optional.includes(k) ? `${key(k)}: ${tsType(v)} | null` : `${key(k)}: ${tsType(v)}`))
      return parts.length ? `{ ${parts.join('; ')} }` : 'Record<string, never>'
    }
  }
}

/** A value that does not convert: the message says where inside the value, as `[1].name: a number is required`. */
class TypeMismatch extends Error {}

/**
 * Converts a JSON-like value to the type as HCL does; throws a TypeMismatch. null converts to
 * any type (HCL's null), and `any` keeps the value's own type.
 */
export function convertValue(value: unknown, t: HclType, hide = false, path = ''): unknown {
  if (value === null || value === undefined) return null
  // A sensitive variable's errors name the kind of value, never the value.
  const what = (v: unknown) => (hide && typeof v === 'string' ? 'a string' : hide && typeof v !== 'object' ? `a ${typeof v}` : describeValue(v))
  const fail = (why: string): never => {
    throw new TypeMismatch(path ? `${path}: ${why}` : why)
  }
  switch (t.kind) {
    case 'any':
      return value
    case 'string':
      if (typeof value === 'string') return value
      if (typeof value === 'number') return numberText(value)
      if (typeof value === 'boolean') return String(value)
      return fail(`a string is required, got ${what(value)}`)
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value
      // cty reads a decimal number; it trims nothing, so " 1" is not one.
      if (typeof value === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return Number(value)
      return fail(`a number is required, got ${what(value)}`)
    case 'bool':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === '1') return true
      if (value === 'false' || value === '0') return false
      return fail(`a bool is required, got ${what(value)}`)
    case 'list':
    case 'set': {
      if (!Array.isArray(value)) return fail(`a ${t.kind} is required, got ${what(value)}`)
      const items = unify(
        value.map((v, i) => convertValue(v, t.of, hide, `${path}[${i}]`)),
        t.of,
      )
      return t.kind === 'set' ? asSet(items) : items
    }
    case 'tuple': {
      if (!Array.isArray(value)) return fail(`a tuple of ${t.items.length} elements is required, got ${what(value)}`)
      if (value.length !== t.items.length) return fail(`a tuple of ${t.items.length} elements is required, got ${value.length}`)
      return value.map((v, i) => convertValue(v, t.items[i]!, hide, `${path}[${i}]`))
    }
    case 'map': {
      if (!isObject(value)) return fail(`a map is required, got ${what(value)}`)
      const keys = Object.keys(value)
      const vals = unify(
        keys.map((k) => convertValue(value[k], t.of, hide, `${path}.${k}`)),
        t.of,
      )
      return Object.fromEntries(keys.map((k, i) => [k, vals[i]]))
    }
    case 'object': {
      if (!isObject(value)) return fail(`an object is required, got ${what(value)}`)
      const out: Record<string, unknown> = {}
      // Attributes the type does not name are dropped, as HCL does; a missing one is an error unless optional().
      for (const [k, at] of Object.entries(t.attrs)) {
        if (!(k in value)) {
          if (t.optional.includes(k)) out[k] = null
          else fail(`attribute "${k}" is required`)
        } else {
          out[k] = convertValue(value[k], at, hide, `${path}.${k}`)
        }
      }
      return out
    }
  }
}

/**
 * list(any) and map(any) hold elements of one type: HCL unifies mixed primitives to string
 * (`[1, "a"]` becomes `["1", "a"]`). Mixed structures are left as they are.
 */
function unify(items: unknown[], of: HclType): unknown[] {
  if (of.kind !== 'any') return items
  const kinds = new Set(items.filter((v) => v !== null).map((v) => typeof v))
  if (kinds.size > 1 && [...kinds].every((k) => k === 'string' || k === 'number' || k === 'boolean')) {
    return items.map((v) => (v === null ? null : typeof v === 'number' ? numberText(v) : String(v)))
  }
  return items
}

/** A set holds each value once; HCL orders strings lexically and numbers by value. */
function asSet(items: unknown[]): unknown[] {
  const seen = new Map<string, unknown>()
  for (const v of items) seen.set(JSON.stringify(v), v)
  const out = [...seen.values()]
  if (out.every((v) => typeof v === 'number')) return (out as number[]).sort((a, b) => a - b)
  if (out.every((v) => typeof v === 'string')) return (out as string[]).sort()
  return out
}

function numberText(n: number): string {
  // HCL writes numbers without an exponent (1e21 is "1000000000000000000000").
  return Number.isInteger(n) && Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (isObject(v)) return 'an object'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)
  return String(v)
}
