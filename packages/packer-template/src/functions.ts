import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { EvalError } from './errors.js'
import { formatGoTime } from './go-time.js'

/** Marks a value that only exists when the build runs (or, for convert, a TypeScript expression). */
export const SENTINEL = /\u0001([^\u0002]*)\u0002/g
export const code = (ts: string): string => `\u0001${ts}\u0002`
export const hasCode = (s: string): boolean => s.includes('\u0001')

/** Shared run facts the functions read. */
export interface FnScope {
  readonly mode: 'run' | 'convert'
  readonly templateDir: string
  readonly cwd: string
  readonly timestamp: number
  readonly env: NodeJS.ProcessEnv
  /** Renders a file as an HCL template with the given variables (HCL templates only). */
  readonly templatefile?: (path: string, vars: Record<string, unknown>) => string
}

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') {
    if (hasCode(v)) throw new EvalError(`${fn}() of a variable cannot be converted to TypeScript yet`, 'Write this value by hand in the converted image.ts.')
    return v
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new EvalError(`${fn}(): expected a string, got ${JSON.stringify(v)}`)
}

export function cleanResourceName(s: string): string {
  return s.replace(/[^a-zA-Z0-9\-_.()/\[\]]/g, '-').slice(0, 128)
}

/**
 * The HCL functions templates commonly use, by Packer's (go-cty's) semantics. Each takes
 * evaluated arguments. `env` is only meaningful in variable defaults, as in Packer.
 */
export function hclFunctions(s: FnScope): Record<string, (...args: unknown[]) => unknown> {
  return {
    env: (name) => (s.mode === 'convert' ? code(`env(${JSON.stringify(str(name, 'env'))})`) : (s.env[str(name, 'env')] ?? '')),
    timestamp: () => (s.mode === 'convert' ? code('new Date(timestamp() * 1000).toISOString().replace(/\\.\\d+Z$/, "Z")') : new Date(s.timestamp * 1000).toISOString().replace(/\.\d+Z$/, 'Z')),
    formatdate: (fmt, t) => {
      // convert: a time known only at build (timestamp()) becomes code formatting it then.
      const whole = typeof t === 'string' ? /^\u0001([^\u0002]*)\u0002$/.exec(t) : null
      if (s.mode === 'convert' && whole) return code(hclDateCode(str(fmt, 'formatdate'), whole[1]!))
      return formatHclDate(str(fmt, 'formatdate'), new Date(str(t, 'formatdate')))
    },
    uuidv4: () => (s.mode === 'convert' ? code('uuid()') : randomUUID()),
    lower: (v) => str(v, 'lower').toLowerCase(),
    upper: (v) => str(v, 'upper').toUpperCase(),
    replace: (v, a, b) => {
      const text = str(v, 'replace')
      const find = str(a, 'replace')
      const m = /^\/(.*)\/$/.exec(find)
      return m ? text.replace(new RegExp(m[1]!, 'g'), goReplacement(str(b, 'replace'))) : text.split(find).join(str(b, 'replace'))
    },
    regex_replace: (v, re, b) => str(v, 'regex_replace').replace(new RegExp(str(re, 'regex_replace'), 'g'), goReplacement(str(b, 'regex_replace'))),
    split: (sep, v) => str(v, 'split').split(str(sep, 'split')),
    join: (sep, list) => list_(list, 'join').map((x) => str(x, 'join')).join(str(sep, 'join')),
    concat: (...lists) => lists.flatMap((l) => list_(l, 'concat')),
    coalesce: (...vals) => vals.find((v) => v !== null && v !== undefined && v !== '') ?? null,
    lookup: (m, k, d) => {
      const obj = map_(m, 'lookup')
      const key = str(k, 'lookup')
      if (key in obj) return obj[key]
      if (d === undefined) throw new EvalError(`lookup(): no key "${key}" and no default`)
      return d
    },
    merge: (...maps) => Object.assign({}, ...maps.map((m) => map_(m, 'merge'))),
    file: (p) => readFileSync(resolve(s.templateDir, str(p, 'file')), 'utf8'),
    abspath: (p) => (isAbsolute(str(p, 'abspath')) ? str(p, 'abspath') : resolve(s.cwd, str(p, 'abspath'))),
    basename: (p) => basename(str(p, 'basename')),
    dirname: (p) => dirname(str(p, 'dirname')),
    trimspace: (v) => str(v, 'trimspace').trim(),
    sha256: (v) => createHash('sha256').update(str(v, 'sha256')).digest('hex'),
    md5: (v) => createHash('md5').update(str(v, 'md5')).digest('hex'),
    base64encode: (v) => Buffer.from(str(v, 'base64encode')).toString('base64'),
    base64decode: (v) => Buffer.from(str(v, 'base64decode'), 'base64').toString('utf8'),
    length: (v) => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : Object.keys(map_(v, 'length')).length),
    tostring: (v) => str(v, 'tostring'),
    tonumber: (v) => Number(str(v, 'tonumber')),
    tolist: (v) => list_(v, 'tolist'),
    toset: (v) => [...new Set(list_(v, 'toset'))],
    contains: (l, v) => list_(l, 'contains').includes(v),
    keys: (m) => Object.keys(map_(m, 'keys')).sort(),
    values: (m) => Object.keys(map_(m, 'values')).sort().map((k) => map_(m, 'values')[k]),
    element: (l, i) => {
      const a = list_(l, 'element')
      return a[Number(i) % a.length]
    },
    format: (f, ...args) => {
      let i = 0
      return str(f, 'format').replace(/%[sdvq%]/g, (m) => (m === '%%' ? '%' : m === '%q' ? JSON.stringify(args[i++]) : str(args[i++], 'format')))
    },
    can: (v) => v !== undefined,
    try: (...vals) => vals.find((v) => v !== undefined),
    templatefile: (p, vars) => {
      if (!s.templatefile) throw new EvalError('templatefile() is only available in HCL templates')
      return s.templatefile(resolve(s.templateDir, str(p, 'templatefile')), map_(vars ?? {}, 'templatefile'))
    },
  }
}

function list_(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v
  throw new EvalError(`${fn}(): expected a list, got ${JSON.stringify(v)}`)
}

function map_(v: unknown, fn: string): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  throw new EvalError(`${fn}(): expected a map or object, got ${JSON.stringify(v)}`)
}

/** Go's `$1` / `${1}` replacement references, as JavaScript's `$1`. */
function goReplacement(r: string): string {
  return r.replace(/\$\{(\d+)\}/g, '$$$1')
}

/** HCL formatdate: YYYY, YY, MM, M, DD, D, hh, h, mm, ss, ZZZ, and 'quoted literals'. */
export function formatHclDate(fmt: string, d: Date): string {
  if (Number.isNaN(d.getTime())) throw new EvalError('formatdate(): the time is not an RFC 3339 timestamp')
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const tokens: Record<string, string> = {
    YYYY: String(d.getUTCFullYear()), YY: p(d.getUTCFullYear() % 100), MMM: d.toUTCString().slice(8, 11), MM: p(d.getUTCMonth() + 1), M: String(d.getUTCMonth() + 1),
    DD: p(d.getUTCDate()), D: String(d.getUTCDate()), EEE: d.toUTCString().slice(0, 3), hh: p(d.getUTCHours()), h: String(d.getUTCHours()),
    mm: p(d.getUTCMinutes()), m: String(d.getUTCMinutes()), ss: p(d.getUTCSeconds()), s: String(d.getUTCSeconds()), ZZZ: 'UTC', Z: 'Z',
  }
  return fmt.replace(/'([^']*)'|YYYY|YY|MMM|MM|M|DD|D|EEE|hh|h|mm|m|ss|s|ZZZ|Z/g, (m, lit: string | undefined) => (lit !== undefined ? lit : tokens[m]!))
}

/** formatdate() as a TypeScript expression over `time` (an expression giving an RFC 3339 string). */
export function hclDateCode(fmt: string, time: string): string {
  const pad = (e: string) => `String(${e}).padStart(2, '0')`
  const tokens: Record<string, string> = {
    YYYY: 'String(d.getUTCFullYear())', YY: pad('d.getUTCFullYear() % 100'), MMM: 'd.toUTCString().slice(8, 11)', MM: pad('d.getUTCMonth() + 1'), M: 'String(d.getUTCMonth() + 1)',
    DD: pad('d.getUTCDate()'), D: 'String(d.getUTCDate())', EEE: 'd.toUTCString().slice(0, 3)', hh: pad('d.getUTCHours()'), h: 'String(d.getUTCHours())',
    mm: pad('d.getUTCMinutes()'), m: 'String(d.getUTCMinutes())', ss: pad('d.getUTCSeconds()'), s: 'String(d.getUTCSeconds())', ZZZ: "'UTC'", Z: "'Z'",
  }
  const parts: string[] = []
  fmt.replace(/'([^']*)'|YYYY|YY|MMM|MM|M|DD|D|EEE|hh|h|mm|m|ss|s|ZZZ|Z|[^']/g, (m, lit: string | undefined) => {
    parts.push(lit !== undefined ? JSON.stringify(lit) : (tokens[m] ?? JSON.stringify(m)))
    return ''
  })
  return `((d: Date) => ${parts.join(' + ') || "''"})(new Date(${time}))`
}

export { formatGoTime }
