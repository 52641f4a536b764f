/**
 * goss's matchers: the gossfile value turned into a matcher tree, matched against what a probe
 * found, and on failure the parts goss prints (actual, the verb, expected, missing and extra
 * elements, the transforms applied to the found value).
 */
import { toJsRegex } from './regex.js'
import { gjsonGet } from './gjson.js'
import { MatchError } from './match-error.js'

export { MatchError }
import { semverSatisfies } from './semver.js'

export interface MatcherResult {
  readonly actual: unknown
  readonly message: string
  readonly expected: unknown
  readonly missingElements?: unknown
  readonly extraElements?: unknown
  readonly transformChain?: readonly unknown[]
  readonly untransformed?: unknown
}

export interface Matcher {
  /** Throws a MatchError when the value cannot be matched at all (goss reports it as Err). */
  match(actual: unknown): boolean
  failure(actual: unknown): MatcherResult
  negated(actual: unknown): MatcherResult
  /** How goss prints the matcher inside another's expectation. */
  toJSON(): unknown
}

const simple = (message: string, negMessage: string, expected: () => unknown, test: (a: unknown) => boolean, json: () => unknown): Matcher => ({
  match: test,
  failure: (actual) => ({ actual, message, expected: expected() }),
  negated: (actual) => ({ actual, message: negMessage, expected: expected() }),
  toJSON: json,
})

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

const equal = (x: unknown): Matcher =>
  simple(
    'to equal',
    'not to equal',
    () => x,
    (a) => deepEqual(a, x),
    () => x,
  )

type Transform = { name: string; json?: unknown; apply(v: unknown): unknown }

/** goss's %v for a found value being turned into a string. */
function vString(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return '<nil>'
  if (typeof v === 'object' && !Array.isArray(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${vString((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`
  if (Array.isArray(v)) return `[${v.map(vString).join(' ')}]`
  return String(v)
}

const toString: Transform = {
  name: 'to-string',
  apply: (v) => (Array.isArray(v) ? v.map(vString).join('\n') : vString(v)),
}
const toNumeric: Transform = {
  name: 'to-numeric',
  apply: (v) => {
    if (typeof v === 'number') return v
    const s = Array.isArray(v) ? v.map(vString).join('\n') : typeof v === 'string' ? v : undefined
    if (s === undefined) throw new MatchError(`Expected numeric, Got:${JSON.stringify(v)}`)
    const t = s.trim()
    const n = t === '' ? Number.NaN : Number(t)
    if (Number.isNaN(n)) throw new MatchError(`matchers.ToNumeric{}: strconv.ParseFloat: parsing ${JSON.stringify(t)}: invalid syntax`)
    return n
  },
}
const toArray: Transform = { name: 'to-array', apply: (v) => (typeof v === 'string' ? v.split('\n') : v) }

/** Matches the transformed value; on failure reports the inner matcher with the chain of transforms that changed it. */
function withTransform(t: Transform, inner: Matcher): Matcher {
  let transformed: unknown
  let changed = false
  const chainOf = (actual: unknown): { chain: unknown[]; m: Matcher; value: unknown } => {
    const chain: unknown[] = changed ? [t.json ?? { [t.name]: {} }] : []
    const m = inner as Matcher & { chainOf?: typeof chainOf }
    if (m.chainOf) {
      const r = m.chainOf(transformed)
      return { chain: [...chain, ...r.chain], m: r.m, value: r.value }
    }
    void actual
    return { chain, m: inner, value: transformed }
  }
  const self: Matcher & { chainOf: typeof chainOf } = {
    chainOf,
    match(actual) {
      transformed = t.apply(actual)
      changed = !deepEqual(actual, transformed)
      return inner.match(transformed)
    },
    failure(actual) {
      const r = chainOf(actual)
      const res = r.m.failure(r.value)
      return r.chain.length ? { ...res, transformChain: r.chain, untransformed: actual } : res
    },
    negated(actual) {
      const r = chainOf(actual)
      const res = r.m.negated(r.value)
      return r.chain.length ? { ...res, transformChain: r.chain, untransformed: actual } : res
    },
    toJSON: () => inner.toJSON(),
  }
  return self
}

function numeric(cmp: 'eq' | 'gt' | 'ge' | 'lt' | 'le', x: number): Matcher {
  const ops = { eq: (a: number) => a === x, gt: (a: number) => a > x, ge: (a: number) => a >= x, lt: (a: number) => a < x, le: (a: number) => a <= x }
  return simple(
    `to be numerically ${cmp}`,
    `not to be numerically ${cmp}`,
    () => x,
    (a) => {
      if (typeof a !== 'number') throw new MatchError(`Expected a number.  Got:\n    ${JSON.stringify(a)}`)
      return ops[cmp](a)
    },
    () => ({ [cmp]: x }),
  )
}

/** The most elements of `actual` matched one-to-one by `ms` (augmenting paths), with the unmatched on each side. */
function assign(ms: Matcher[], actual: unknown[]): { missing: Matcher[]; extra: unknown[] } {
  const can = ms.map((m) => actual.map((a) => safeMatch(m, a)))
  const owner: (number | undefined)[] = actual.map(() => undefined)
  const tryM = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < actual.length; j++) {
      if (!can[i]![j] || seen[j]) continue
      seen[j] = true
      if (owner[j] === undefined || tryM(owner[j]!, seen)) {
        owner[j] = i
        return true
      }
    }
    return false
  }
  const missing: Matcher[] = []
  ms.forEach((m, i) => {
    if (
      !tryM(
        i,
        actual.map(() => false),
      )
    )
      missing.push(m)
  })
  return { missing, extra: actual.filter((_, j) => owner[j] === undefined) }
}

function safeMatch(m: Matcher, a: unknown): boolean {
  try {
    return m.match(a)
  } catch {
    return false
  }
}

function elementsOf(actual: unknown, what: string): unknown[] {
  if (Array.isArray(actual)) return actual
  if (actual && typeof actual === 'object') return Object.values(actual)
  throw new MatchError(`${what} matcher expects an array/slice/map.  Got:\n    ${JSON.stringify(actual)}`)
}

function containElements(ms: Matcher[]): Matcher {
  let missing: Matcher[] = []
  return {
    match(actual) {
      missing = assign(ms, elementsOf(actual, 'ContainElements')).missing
      return missing.length === 0
    },
    failure: (actual) => ({ actual, message: 'to contain elements matching', expected: ms, missingElements: missing }),
    negated: (actual) => ({ actual, message: 'not to contain elements matching', expected: ms }),
    toJSON: () => ({ 'contain-elements': ms }),
  }
}

function consistOf(ms: Matcher[]): Matcher {
  let missing: Matcher[] = []
  let extra: unknown[] = []
  return {
    match(actual) {
      ;({ missing, extra } = assign(ms, elementsOf(actual, 'ConsistOf')))
      return missing.length === 0 && extra.length === 0
    },
    failure: (actual) => ({
      actual,
      message: 'to consist of',
      expected: ms,
      ...(missing.length ? { missingElements: missing } : {}),
      ...(extra.length ? { extraElements: extra } : {}),
    }),
    negated: (actual) => ({ actual, message: 'not to consist of', expected: ms }),
    toJSON: () => ({ 'consist-of': ms }),
  }
}

function containElement(m: Matcher): Matcher {
  return simple(
    'to contain element matching',
    'not to contain element matching',
    () => m,
    (a) => elementsOf(a, 'ContainElement').some((x) => safeMatch(m, x)),
    () => ({ 'contain-element': m }),
  )
}

interface Pattern {
  readonly pattern: string
  readonly inverse: boolean
  test(line: string): boolean
}

/** goss's patterns for output read line by line: text, `!text`, `/regex/flags`, `!/regex/`, `\!text`. */
function toPattern(p: string): Pattern {
  const inverse = p.startsWith('!')
  const core = inverse ? p.slice(1) : p
  const close = core.lastIndexOf('/')
  if (core.startsWith('/') && close > 0 && /^[ims]*$/.test(core.slice(close + 1))) {
    const re = toJsRegex(core.slice(1, close), core.slice(close + 1))
    return { pattern: p, inverse, test: (l) => re.test(l) }
  }
  const clean = p.replace(/^[\\/!]+/, '')
  return { pattern: p, inverse, test: (l) => l.includes(clean) }
}

function havePatterns(patterns: string[]): Matcher {
  let missing: string[] = []
  return {
    match(actual) {
      const text = typeof actual === 'string' ? actual : Array.isArray(actual) ? actual.join('\n') : undefined
      if (text === undefined) throw new MatchError(`Incorrect type ${typeof actual}`)
      const lines = text.split('\n')
      if (text.endsWith('\n')) lines.pop()
      const found = new Set<string>()
      for (const p of patterns.map(toPattern)) {
        const hit = lines.some((l) => p.test(l))
        // an inverse pattern is found when no line matches; an empty pattern always is
        if (p.inverse ? !hit : hit || p.pattern === '') found.add(p.pattern)
      }
      missing = patterns.filter((p) => !found.has(p))
      return missing.length === 0
    },
    failure: (actual) => ({ actual, message: 'to have patterns', expected: patterns, missingElements: missing }),
    negated: (actual) => ({ actual, message: 'not to have patterns', expected: patterns }),
    toJSON: () => ({ 'have-patterns': patterns }),
  }
}

function lengthOf(a: unknown): number {
  if (typeof a === 'string' || Array.isArray(a)) return a.length
  if (a && typeof a === 'object') return Object.keys(a).length
  throw new MatchError(`HaveLen matcher expects a string/array/map/channel/slice.  Got:\n    ${JSON.stringify(a)}`)
}

function and(ms: Matcher[]): Matcher {
  let failed: Matcher | undefined
  return {
    match(actual) {
      failed = undefined
      for (const m of ms) {
        let ok: boolean
        try {
          ok = m.match(actual)
        } catch (e) {
          failed = m
          throw e
        }
        if (!ok) {
          failed = m
          return false
        }
      }
      return true
    },
    failure: (actual) => (failed ? failed.failure(actual) : { actual, message: 'to satisfy all of these matchers', expected: ms }),
    negated: (actual) => ({ actual, message: 'not to satisfy all of these matchers', expected: ms }),
    toJSON: () => (ms.length === 1 ? ms[0]!.toJSON() : { and: ms }),
  }
}

function or(ms: Matcher[]): Matcher {
  return {
    match: (actual) => ms.some((m) => m.match(actual)),
    failure: (actual) => ({ actual, message: 'to satisfy at least one of these matchers', expected: ms }),
    negated: (actual) => ({ actual, message: 'not to satisfy at least one of these matchers', expected: ms }),
    toJSON: () => ({ or: ms }),
  }
}

function not(m: Matcher): Matcher {
  return {
    match: (actual) => !m.match(actual),
    failure: (actual) => m.negated(actual),
    negated: (actual) => m.failure(actual),
    toJSON: () => ({ not: m }),
  }
}

/** goss's conversion of a gossfile value to a matcher (the value was checked when the gossfile was read). */
export function toMatcher(x: unknown): Matcher {
  if (typeof x === 'string') return withTransform(toString, equal(x))
  if (typeof x === 'number') return withTransform(toNumeric, numeric('eq', x))
  if (typeof x === 'boolean') return equal(x)
  if (Array.isArray(x)) return containElements(x.map(toMatcher))
  const [name, arg] = Object.entries(x as Record<string, unknown>)[0]!
  switch (name) {
    case 'equal':
      return equal(arg)
    case 'have-prefix':
      return withTransform(
        toString,
        simple(
          'to have prefix',
          'not to have prefix',
          () => arg,
          (a) => String(a).startsWith(arg as string),
          () => ({ 'have-prefix': arg }),
        ),
      )
    case 'have-suffix':
      return withTransform(
        toString,
        simple(
          'to have suffix',
          'not to have suffix',
          () => arg,
          (a) => String(a).endsWith(arg as string),
          () => ({ 'have-suffix': arg }),
        ),
      )
    case 'match-regexp': {
      const re = toJsRegex(arg as string)
      return withTransform(
        toString,
        simple(
          'to match regular expression',
          'not to match regular expression',
          () => arg,
          (a) => re.test(String(a)),
          () => ({ 'match-regexp': arg }),
        ),
      )
    }
    case 'contain-substring':
      return withTransform(
        toString,
        simple(
          'to contain substring',
          'not to contain substring',
          () => arg,
          (a) => String(a).includes(arg as string),
          () => ({ 'contain-substring': arg }),
        ),
      )
    case 'have-len':
      return simple(
        'to have length',
        'not to have length',
        () => arg,
        (a) => lengthOf(a) === arg,
        () => ({ 'have-len': arg }),
      )
    case 'have-patterns':
      return withTransform(toString, havePatterns(arg as string[]))
    case 'have-key': {
      const km = toMatcher(arg)
      return simple(
        'to have key matching',
        'not to have key matching',
        () => km,
        (a) => {
          if (!a || typeof a !== 'object' || Array.isArray(a)) throw new MatchError(`HaveKey matcher expects a map.  Got:\n    ${JSON.stringify(a)}`)
          return Object.keys(a).some((k) => safeMatch(km, k))
        },
        () => ({ 'have-key': km }),
      )
    }
    case 'have-key-with-value': {
      const [k, v] = Object.entries(arg as Record<string, unknown>)[0]!
      const vm = toMatcher(v)
      return simple(
        'to have {key: value} matching',
        'not to have {key: value} matching',
        () => ({ [k]: vm }),
        (a) => {
          if (!a || typeof a !== 'object' || Array.isArray(a)) throw new MatchError(`HaveKeyWithValue matcher expects a map.  Got:\n    ${JSON.stringify(a)}`)
          return Object.prototype.hasOwnProperty.call(a, k) && safeMatch(vm, (a as Record<string, unknown>)[k])
        },
        () => ({ 'have-key-with-value': { [k]: vm } }),
      )
    }
    case 'contain-element':
      return withTransform(toArray, containElement(toMatcher(arg)))
    case 'contain-elements':
      return withTransform(toArray, containElements((arg as unknown[]).map(toMatcher)))
    case 'consist-of':
      return consistOf((arg as unknown[]).map(toMatcher))
    case 'not':
      return not(toMatcher(arg))
    case 'and':
      return and((arg as unknown[]).map(toMatcher))
    case 'or':
      return or((arg as unknown[]).map(toMatcher))
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return withTransform(toNumeric, numeric(name, Number(arg)))
    case 'semver-constraint':
      return simple(
        'to satisfy semver constraint',
        'not to satisfy semver constraint',
        () => arg,
        (a) => {
          const vs = Array.isArray(a) ? a.map(String) : typeof a === 'string' ? [a] : undefined
          if (!vs) throw new MatchError(`BeSemverConstraint matcher expects a version or list of versions.  Got:\n    ${JSON.stringify(a)}`)
          return vs.every((v) => semverSatisfies(v, arg as string))
        },
        () => ({ 'semver-constraint': arg }),
      )
    case 'gjson':
      return and(
        Object.entries(arg as Record<string, unknown>).map(([path, sub]) =>
          withTransform({ name: 'gjson', json: { gjson: { Path: path } }, apply: (v) => gjsonGet(v, path) }, toMatcher(sub)),
        ),
      )
  }
  throw new MatchError(`Syntax Error: Unknown matcher: ${name}`)
}

/** The matcher for an attribute read line by line: a list is patterns, anything else matches the whole text. */
export function toReaderMatcher(x: unknown): Matcher {
  return Array.isArray(x) ? havePatterns(x as string[]) : toMatcher(x)
}
