import { EvalError } from './errors.js'

/**
 * `tsimg convert` evaluates a template with its variables as placeholders: a TypeScript
 * expression (`vars.tags`) wrapped in \u0001...\u0002, inside strings where the template uses
 * it. This file turns values holding placeholders into TypeScript, and writes the functions a
 * template applies to a variable (`lower(var.x)`) as the TypeScript that computes the same.
 */

/** Marks a value that only exists when the build runs (or, for convert, a TypeScript expression). */
export const SENTINEL = /\u0001([^\u0002]*)\u0002/g
export const code = (ts: string): string => `\u0001${ts}\u0002`
export const hasCode = (s: string): boolean => s.includes('\u0001')

/** The expression of a value that is one placeholder and nothing else (`vars.tags`), else undefined. */
export function wholeCode(v: unknown): string | undefined {
  return typeof v === 'string' ? /^\u0001([^\u0001\u0002]*)\u0002$/.exec(v)?.[1] : undefined
}

/** Whether a value holds a placeholder anywhere (strings, lists, objects). */
export function holdsCode(v: unknown): boolean {
  if (typeof v === 'string') return hasCode(v)
  if (Array.isArray(v)) return v.some(holdsCode)
  if (typeof v === 'object' && v !== null) return Object.values(v).some(holdsCode)
  return false
}

/** A string as TypeScript: a literal, the placeholder's expression, or a template literal mixing both. */
export function stringCode(s: string, quote: (plain: string) => string = (x) => JSON.stringify(x)): string {
  const parts = s.split(SENTINEL)
  if (parts.length === 1) return quote(s)
  if (parts.length === 3 && parts[0] === '' && parts[2] === '') return parts[1]!
  return '`' + parts.map((p, i) => (i % 2 ? `\${${p}}` : p.replace(/[`\\]/g, '\\$&').replace(/\$\{/g, '\\${'))).join('') + '`'
}

/** A JSON-like value as TypeScript. */
export function valueCode(v: unknown): string {
  if (typeof v === 'string') return stringCode(v)
  if (Array.isArray(v)) return `[${v.map(valueCode).join(', ')}]`
  if (typeof v === 'object' && v !== null)
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${valueCode(x)}`)
      .join(', ')} }`
  return JSON.stringify(v ?? null)
}

/** A value as the left side of `.method()`: in parentheses unless it already binds tightly. */
export function operand(v: unknown): string {
  const c = valueCode(v)
  return /^[\w$.]+(\[[^\]]*\])*$/.test(c) || /^[\w$.]+\([^()]*\)$/.test(c) || /^`[^`]*`$/.test(c) || /^"([^"\\]|\\.)*"$/.test(c) || /^\[.*\]$/.test(c)
    ? c
    : `(${c})`
}

function plain(v: unknown, fn: string, what: string): string {
  if (typeof v === 'string' && !hasCode(v)) return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new EvalError(
    `${fn}(): its ${what} must be a plain value to convert it to TypeScript, not a variable`,
    'Write this value by hand in the converted image.ts.',
  )
}

/** `$1`/`${1}` (Go's replacement references) as JavaScript's `$1`. */
export function goReplacement(r: string): string {
  return r.replace(/\$\{(\d+)\}/g, '$$$1')
}

/**
 * HCL functions of a variable, as TypeScript computing the same at build time. A function
 * missing here keeps its error: convert cannot write it and says so.
 */
export const CODE_FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  lower: (v) => code(`${operand(v)}.toLowerCase()`),
  upper: (v) => code(`${operand(v)}.toUpperCase()`),
  trimspace: (v) => code(`${operand(v)}.trim()`),
  tostring: (v) => (typeof v === 'string' ? v : code(`String(${valueCode(v)})`)),
  join: (sep, list) => code(`${operand(list)}.join(${valueCode(sep)})`),
  split: (sep, v) => code(`${operand(v)}.split(${valueCode(sep)})`),
  replace: (v, find, by) => {
    const f = plain(find, 'replace', 'search text')
    const re = /^\/(.*)\/$/.exec(f)
    if (re)
      return code(`${operand(v)}.replace(new RegExp(${JSON.stringify(re[1])}, 'g'), ${JSON.stringify(goReplacement(plain(by, 'replace', 'replacement')))})`)
    return code(`${operand(v)}.split(${JSON.stringify(f)}).join(${valueCode(by)})`)
  },
  regex_replace: (v, re, by) =>
    code(
      `${operand(v)}.replace(new RegExp(${JSON.stringify(plain(re, 'regex_replace', 'pattern'))}, 'g'), ${JSON.stringify(goReplacement(plain(by, 'regex_replace', 'replacement')))})`,
    ),
  merge: (...maps) => code(`{ ${maps.map((m) => `...${valueCode(m)}`).join(', ')} }`),
  // map(...) variables are Record<string, T> (hclVariable), so any key indexes them.
  lookup: (m, k, d) => code(`${operand(m)}[${valueCode(k)}]${d === undefined ? '' : ` ?? ${valueCode(d)}`}`),
  concat: (...lists) =>
    code(
      `[${lists
        .map((l) => (Array.isArray(l) ? l.map(valueCode) : [`...${operand(l)}`]).join(', '))
        .filter(Boolean)
        .join(', ')}]`,
    ),
  // format's verbs put the argument's text in place; a placeholder stays one inside the string.
  format: (f, ...args) => {
    let i = 0
    return plain(f, 'format', 'format string').replace(/%[sdvq%]/g, (m) => {
      if (m === '%%') return '%'
      const a = args[i++]
      if (m === '%q') return code(`JSON.stringify(${valueCode(a)})`)
      if (typeof a === 'string') return a
      if (typeof a === 'number' || typeof a === 'boolean') return String(a)
      throw new EvalError(`format(): ${m} of ${JSON.stringify(a)} cannot be converted to TypeScript`)
    })
  },
}
