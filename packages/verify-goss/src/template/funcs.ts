import { semverCompare } from '../semver.js'
import { createHash } from 'node:crypto'
import { toJsRegex } from '../regex.js'

/**
 * Template functions: Go's built-ins, the Sprig functions gossfiles commonly use, and goss's
 * own (mkSlice, getEnv, readFile, regexMatch, toUpper, toLower, findStringSubmatch; goss's
 * win over Sprig's of the same name, as in goss). A function not listed is an error at its line.
 */
export type TemplateFunc = (...args: unknown[]) => unknown

/** Go's `%v` for the values YAML and JSON produce. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<no value>'
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return goNumber(v)
  if (Array.isArray(v)) return `[${v.map(goInner).join(' ')}]`
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort()
    return `map[${keys.map((k) => `${k}:${goInner((v as Record<string, unknown>)[k])}`).join(' ')}]`
  }
  return String(v)
}

function goInner(v: unknown): string {
  return v === null || v === undefined ? '<nil>' : goString(v)
}

/** Integers print as integers; other floats as Go's shortest %g (exponent from 1e21 or below 1e-4, else as %v does). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n)
  const exp = Math.floor(Math.log10(Math.abs(n)))
  if (exp < -4 || exp >= 21) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  return String(n)
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object') return Object.keys(v).length > 0
  return true
}

const str = (v: unknown): string => (typeof v === 'string' ? v : goString(v))
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : Number(String(v).trim())
  if (Number.isNaN(n)) throw new Error(`cannot convert ${JSON.stringify(v)} to a number`)
  return n
}

function compare(a: unknown, b: unknown, name: string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  throw new Error(`incompatible types for comparison (${name})`)
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Go's printf for the common verbs (%s %v %d %f %q %x %t %%). */
function printf(format: string, ...args: unknown[]): string {
  let i = 0
  return format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([svdfqxXtge%])/g,
    (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%'
      const a = args[i++]
      let s: string
      switch (verb) {
        case 'd':
          s = String(Math.trunc(num(a)))
          break
        case 'f':
          s = num(a).toFixed(prec === undefined ? 6 : Number(prec))
          break
        case 'g':
        case 'e':
          s = verb === 'e' ? num(a).toExponential(prec === undefined ? 6 : Number(prec)) : goNumber(num(a))
          break
        case 'q':
          s = JSON.stringify(str(a))
          break
        case 'x':
        case 'X':
          s = typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex')
          if (verb === 'X') s = s.toUpperCase()
          break
        default:
          s = str(a)
      }
      if (width) s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width), flags.includes('0') ? '0' : ' ')
      return s
    },
  )
}

const goRegex = (re: string) => toJsRegex(re)
const global = (re: RegExp) => new RegExp(re.source, re.flags + 'g')

function findStringSubmatch(pattern: string, input: string): Record<string, string> {
  const re = goRegex(pattern)
  const m = re.exec(input)
  const out: Record<string, string> = {}
  if (!m) return out
  if (m.groups && Object.keys(m.groups).length) {
    for (const [k, v] of Object.entries(m.groups)) out[k] = v ?? ''
    return out
  }
  m.forEach((v, i) => (out[String(i)] = v ?? ''))
  return out
}

export const FUNCS: Record<string, TemplateFunc> = {
  // Go built-ins
  and: (...a) => a.find((x) => !truthy(x)) ?? a.at(-1),
  or: (...a) => a.find((x) => truthy(x)) ?? a.at(-1),
  not: (a) => !truthy(a),
  len: (a) => {
    if (typeof a === 'string' || Array.isArray(a)) return a.length
    if (a && typeof a === 'object') return Object.keys(a).length
    throw new Error(`len of ${goString(a)}`)
  },
  index: (c, ...keys) => {
    let v = c
    for (const k of keys) {
      if (Array.isArray(v)) {
        const i = num(k)
        if (i < 0 || i >= v.length) throw new Error(`index out of range: ${i}`)
        v = v[i]
      } else if (v === null || v === undefined) throw new Error('index of untyped nil')
      else if (typeof v === 'object') v = (v as Record<string, unknown>)[str(k)] ?? null
      else throw new Error(`can't index item of type ${typeof v}`)
    }
    return v
  },
  slice: (c, ...idx) => {
    const [a, b] = idx.map(num)
    if (typeof c === 'string' || Array.isArray(c)) return c.slice(a ?? 0, b)
    throw new Error("can't slice item")
  },
  eq: (a, ...bs) => bs.some((b) => equal(a, b)),
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => compare(a, b, 'lt') < 0,
  le: (a, b) => compare(a, b, 'le') <= 0,
  gt: (a, b) => compare(a, b, 'gt') > 0,
  ge: (a, b) => compare(a, b, 'ge') >= 0,
  print: (...a) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + str(x)).join(''),
  println: (...a) => a.map(str).join(' ') + '\n',
  printf: (f, ...a) => printf(str(f), ...a),
  urlquery: (...a) => encodeURIComponent(a.map(str).join('')),
  html: (...a) =>
    a
      .map(str)
      .join('')
      .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
  js: (...a) => JSON.stringify(a.map(str).join('')).slice(1, -1),

  // Sprig, the ones gossfiles use
  default: (d, ...given) => (given.length && truthy(given[0]) ? given[0] : d),
  empty: (a) => !truthy(a),
  coalesce: (...a) => a.find(truthy) ?? null,
  ternary: (t, f, c) => (truthy(c) ? t : f),
  upper: (s) => str(s).toUpperCase(),
  lower: (s) => str(s).toLowerCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => str(s).trim(),
  trimAll: (c, s) => str(s).replace(new RegExp(`^[${escapeClass(str(c))}]+|[${escapeClass(str(c))}]+$`, 'g'), ''),
  trimPrefix: (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: (p, s) => (str(s).endsWith(str(p)) && str(p) ? str(s).slice(0, -str(p).length) : str(s)),
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (p, s) => str(s).startsWith(str(p)),
  hasSuffix: (p, s) => str(s).endsWith(str(p)),
  replace: (o, n, s) => str(s).split(str(o)).join(str(n)),
  repeat: (n, s) => str(s).repeat(num(n)),
  quote: (...a) => a.map((x) => JSON.stringify(str(x))).join(' '),
  squote: (...a) => a.map((x) => `'${str(x)}'`).join(' '),
  nospace: (s) => str(s).replace(/\s/g, ''),
  trunc: (n, s) => (num(n) >= 0 ? str(s).slice(0, num(n)) : str(s).slice(num(n))),
  substr: (a, b, s) => str(s).slice(num(a), num(b) < 0 ? undefined : num(b)),
  indent: (n, s) =>
    str(s)
      .split('\n')
      .map((l) => ' '.repeat(num(n)) + l)
      .join('\n'),
  nindent: (n, s) =>
    '\n' +
    str(s)
      .split('\n')
      .map((l) => ' '.repeat(num(n)) + l)
      .join('\n'),
  cat: (...a) =>
    a
      .filter((x) => x !== null && x !== undefined)
      .map(str)
      .join(' '),
  split: (sep, s) =>
    Object.fromEntries(
      str(s)
        .split(str(sep))
        .map((p, i) => [`_${i}`, p]),
    ),
  splitList: (sep, s) => str(s).split(str(sep)),
  join: (sep, l) => (Array.isArray(l) ? l.map(str).join(str(sep)) : str(l)),
  toString: (a: unknown) => str(a),
  toStrings: (l) => (Array.isArray(l) ? l.map(str) : [str(l)]),
  toJson: (a) => JSON.stringify(a ?? null),
  toPrettyJson: (a) => JSON.stringify(a ?? null, null, '  '),
  fromJson: (s) => {
    try {
      return JSON.parse(str(s)) as unknown
    } catch {
      return {}
    }
  },
  int: (a) => Math.trunc(num(a)),
  int64: (a) => Math.trunc(num(a)),
  atoi: (a) => {
    const n = Number.parseInt(str(a), 10)
    return Number.isNaN(n) ? 0 : n
  },
  float64: (a) => num(a),
  add: (...a) => a.map(num).reduce((x, y) => x + y, 0),
  add1: (a) => num(a) + 1,
  sub: (a, b) => num(a) - num(b),
  mul: (...a) => a.map(num).reduce((x, y) => x * y, 1),
  div: (a, b) => Math.trunc(num(a) / num(b)),
  mod: (a, b) => num(a) % num(b),
  max: (...a) => Math.max(...a.map(num)),
  min: (...a) => Math.min(...a.map(num)),
  list: (...a) => a,
  dict: (...a) => {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < a.length; i += 2) o[str(a[i])] = a[i + 1] ?? ''
    return o
  },
  get: (d, k) => (d && typeof d === 'object' ? ((d as Record<string, unknown>)[str(k)] ?? '') : ''),
  hasKey: (d, k) => !!d && typeof d === 'object' && Object.prototype.hasOwnProperty.call(d, str(k)),
  keys: (...ds) => ds.flatMap((d) => Object.keys((d as object) ?? {})),
  values: (d) => Object.values((d as object) ?? {}),
  has: (x, l) => Array.isArray(l) && l.some((y) => equal(x, y)),
  first: (l) => (Array.isArray(l) ? (l[0] ?? null) : null),
  last: (l) => (Array.isArray(l) ? (l.at(-1) ?? null) : null),
  rest: (l) => (Array.isArray(l) ? l.slice(1) : []),
  initial: (l) => (Array.isArray(l) ? l.slice(0, -1) : []),
  append: (l, x) => [...(Array.isArray(l) ? l : []), x],
  uniq: (l) => (Array.isArray(l) ? l.filter((x, i) => l.findIndex((y) => equal(x, y)) === i) : []),
  sortAlpha: (l) => (Array.isArray(l) ? l.map(str).sort() : []),
  until: (n) => Array.from({ length: num(n) }, (_, i) => i),
  b64enc: (s) => Buffer.from(str(s)).toString('base64'),
  b64dec: (s) => Buffer.from(str(s), 'base64').toString(),
  regexFind: (re, s) => goRegex(str(re)).exec(str(s))?.[0] ?? '',
  regexFindAll: (re, s, n) => {
    const all = [...str(s).matchAll(global(goRegex(str(re))))].map((m) => m[0])
    return num(n) < 0 ? all : all.slice(0, num(n))
  },
  regexReplaceAll: (re, s, r) =>
    str(s).replace(
      global(goRegex(str(re))),
      str(r)
        .replace(/\$\{?(\w+)\}?/g, '$<$1>')
        .replace(/\$<(\d+)>/g, '$$$1'),
    ),
  regexSplit: (re, s, n) => {
    const parts = str(s).split(goRegex(str(re)))
    return num(n) < 0 ? parts : parts.slice(0, num(n))
  },

  required: (msg, v) => {
    if (!truthy(v) && v !== false && v !== 0) throw new Error(str(msg))
    return v
  },
  fail: (msg) => {
    throw new Error(str(msg))
  },
  kindOf: (v) =>
    v === null || v === undefined
      ? 'invalid'
      : typeof v === 'string'
        ? 'string'
        : typeof v === 'boolean'
          ? 'bool'
          : typeof v === 'number'
            ? Number.isInteger(v)
              ? 'int'
              : 'float64'
            : Array.isArray(v)
              ? 'slice'
              : 'map',
  semverCompare: (c, v) => semverCompare(str(c), str(v)),
  sha256sum: (s) => createHash('sha256').update(str(s)).digest('hex'),
  sha1sum: (s) => createHash('sha1').update(str(s)).digest('hex'),

  // goss's own
  mkSlice: (...a) => a,
  regexMatch: (re, s) => goRegex(str(re)).test(str(s)),
  toUpper: (s) => str(s).toUpperCase(),
  toLower: (s) => str(s).toLowerCase(),
  findStringSubmatch: (p, s) => findStringSubmatch(str(p), str(s)),
}

function escapeClass(s: string): string {
  return s.replace(/[\\\]^-]/g, '\\$&')
}
