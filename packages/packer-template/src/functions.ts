import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { formatHclDate as coreFormatHclDate } from '@tsimg/core/plugin'
import { EvalError } from './errors.js'
import { formatGoTime } from './go-time.js'
import { CODE_FUNCTIONS, code, goReplacement, hasCode, holdsCode } from './convert-code.js'

export { code, hasCode } from './convert-code.js'

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

/** convert: a function of a variable with no TypeScript form here. */
function notConvertible(v: unknown, fn: string): void {
  if (typeof v === 'string' && hasCode(v))
    throw new EvalError(
      `${fn}() of a variable cannot be converted to TypeScript yet`,
      `Write this value by hand in the converted image.ts (convert writes ${Object.keys(CODE_FUNCTIONS).join(', ')} and formatdate of a variable).`,
    )
}

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') {
    notConvertible(v, fn)
    return v
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new EvalError(`${fn}(): expected a string, got ${JSON.stringify(v)}`)
}

/** HCL's timestamp() as image.ts code: the run's time, RFC 3339. */
const RUN_TIME = 'isotime()'

export function cleanResourceName(s: string): string {
  return s.replace(/[^a-zA-Z0-9\-_.()/[\]]/g, '-').slice(0, 128)
}

/**
 * The HCL functions templates commonly use, by Packer's (go-cty's) semantics. Each takes
 * evaluated arguments. `env` is only meaningful in variable defaults, as in Packer.
 */
export function hclFunctions(s: FnScope): Record<string, (...args: unknown[]) => unknown> {
  const fns: Record<string, (...args: unknown[]) => unknown> = {
    env: (name) => (s.mode === 'convert' ? code(`env(${JSON.stringify(str(name, 'env'))})`) : (s.env[str(name, 'env')] ?? '')),
    // Packer's one time per run, RFC 3339; convert writes core's isotime(), which gives the same text.
    timestamp: () => (s.mode === 'convert' ? code(RUN_TIME) : new Date(s.timestamp * 1000).toISOString().replace(/\.\d+Z$/, 'Z')),
    formatdate: (fmt, t) => {
      // convert: a time known only at build (timestamp(), a variable) becomes core's formatdate() of it.
      const whole = typeof t === 'string' ? /^\u0001([^\u0002]*)\u0002$/.exec(t) : null
      if (s.mode === 'convert' && whole) return code(`formatdate(${JSON.stringify(str(fmt, 'formatdate'))}${whole[1] === RUN_TIME ? '' : `, ${whole[1]}`})`)
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
    join: (sep, list) =>
      list_(list, 'join')
        .map((x) => str(x, 'join'))
        .join(str(sep, 'join')),
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
    tonumber: (v) => {
      if (typeof v === 'number') return v
      const n = Number(str(v, 'tonumber').trim())
      if (str(v, 'tonumber').trim() === '' || Number.isNaN(n)) throw new EvalError(`tonumber(): cannot convert ${JSON.stringify(v)} to a number`)
      return n
    },
    tolist: (v) => list_(v, 'tolist'),
    toset: (v) => [...new Set(list_(v, 'toset'))],
    contains: (l, v) => list_(l, 'contains').includes(v),
    keys: (m) => Object.keys(map_(m, 'keys')).sort(),
    values: (m) =>
      Object.keys(map_(m, 'values'))
        .sort()
        .map((k) => map_(m, 'values')[k]),
    element: (l, i) => {
      const a = list_(l, 'element')
      return a[Number(i) % a.length]
    },
    format: (f, ...args) => {
      let i = 0
      return str(f, 'format').replace(/%[sdvq%]/g, (m) => (m === '%%' ? '%' : m === '%q' ? JSON.stringify(args[i++]) : str(args[i++], 'format')))
    },
    // try() and can() are evaluated lazily by the evaluator (hcl/eval.ts); these are for already-evaluated arguments.
    can: (v) => v !== undefined,
    try: (...vals) => vals.find((v) => v !== undefined),
    regex: (re, v) => {
      const m = goRegExp(str(re, 'regex')).exec(str(v, 'regex'))
      if (!m) throw new EvalError(`regex(): the pattern ${JSON.stringify(re)} does not match ${JSON.stringify(v)}`)
      return regexResult(m)
    },
    jsonencode: (v) => {
      notConvertible(JSON.stringify(v), 'jsonencode')
      return JSON.stringify(v)
    },
    jsondecode: (v) => {
      try {
        return JSON.parse(str(v, 'jsondecode')) as unknown
      } catch (err) {
        throw new EvalError(`jsondecode(): ${(err as Error).message}`)
      }
    },
    regexall: (re, v) => [...str(v, 'regexall').matchAll(goRegExp(str(re, 'regexall'), 'g'))].map(regexResult),
    templatefile: (p, vars) => {
      if (!s.templatefile) throw new EvalError('templatefile() is only available in HCL templates')
      return s.templatefile(resolve(s.templateDir, str(p, 'templatefile')), map_(vars ?? {}, 'templatefile'))
    },
  }
  if (s.mode === 'run') return fns
  // convert: a function of a variable becomes the TypeScript computing it, where there is one.
  return Object.fromEntries(
    Object.entries(fns).map(([n, f]) => [n, CODE_FUNCTIONS[n] ? (...args: unknown[]) => (args.some(holdsCode) ? CODE_FUNCTIONS[n]!(...args) : f(...args)) : f]),
  )
}

/** Go's RE2 syntax as a JavaScript RegExp: named groups are written (?P<name>...) there. */
function goRegExp(re: string, flags = ''): RegExp {
  try {
    return new RegExp(re.replace(/\(\?P</g, '(?<'), flags)
  } catch (err) {
    throw new EvalError(`regex(): invalid pattern ${JSON.stringify(re)}: ${(err as Error).message}`)
  }
}

/** HCL's regex() result: the match without groups, a list of captures, or a map of named captures. */
function regexResult(m: RegExpExecArray | RegExpMatchArray): unknown {
  if (m.groups && Object.keys(m.groups).length) return Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, v ?? null]))
  if (m.length > 1) return m.slice(1).map((v) => v ?? null)
  return m[0]
}

function list_(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v
  notConvertible(v, fn)
  throw new EvalError(`${fn}(): expected a list, got ${JSON.stringify(v)}`)
}

function map_(v: unknown, fn: string): Record<string, unknown> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  notConvertible(v, fn)
  throw new EvalError(`${fn}(): expected a map or object, got ${JSON.stringify(v)}`)
}

/** HCL formatdate, by core's rules (image.ts's `formatdate()`), with the error told as a template error. */
function formatHclDate(fmt: string, d: Date): string {
  if (Number.isNaN(d.getTime())) throw new EvalError('formatdate(): the time is not an RFC 3339 timestamp')
  return coreFormatHclDate(fmt, d)
}

export { formatGoTime }
