import { MatchError } from './match-error.js'

/**
 * The part of gjson's path syntax goss users write against JSON output: `a.b`, array indexes
 * `items.0`, `items.#` (length), `items.#.name` (each element's name), queries
 * `items.#(name=="web").status` (first match) and `items.#(age>40)#.name` (all matches) with
 * ==, !=, <, <=, >, >=, % and !% (glob), `@this`, and `\.` for a literal dot. A path using
 * other gjson syntax is refused when the gossfile is read (gjsonPathProblem).
 */
export function gjsonGet(input: unknown, path: string): unknown {
  if (typeof input !== 'string') throw new MatchError(`Expected string, Got:${JSON.stringify(input)}`)
  let doc: unknown
  try {
    doc = JSON.parse(input)
  } catch {
    throw new MatchError('Invalid json')
  }
  const r = walk(doc, split(path))
  if (r === undefined) throw new MatchError(`Path not found: ${path}`)
  return r
}

/** Why tsimg cannot read a gjson path, or undefined when it can. */
export function gjsonPathProblem(path: string): string | undefined {
  try {
    for (const p of split(path)) {
      if (p.startsWith('#(')) parseQuery(p)
      else if (/[*?|@!{}[\]]/.test(p.replace(/\\./g, '')) && p !== '@this')
        return `gjson syntax in ${JSON.stringify(p)} is not interpreted by tsimg (paths, indexes, #, #(...) queries and @this are)`
    }
  } catch (err) {
    return (err as Error).message
  }
  return undefined
}

/** Splits on dots outside #(...) and unescaped. */
function split(path: string): string[] {
  const parts: string[] = []
  let cur = ''
  let depth = 0
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i]
      continue
    }
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === '.' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += c
  }
  parts.push(cur)
  return parts
}

interface Query {
  key: string
  op: string
  value: unknown
  all: boolean
}

function parseQuery(p: string): Query {
  const m = /^#\((.*)\)(#?)$/.exec(p)
  if (!m) throw new Error(`malformed gjson query ${JSON.stringify(p)}`)
  const q = /^(.*?)\s*(==|!=|<=|>=|<|>|!%|%)\s*(.*)$/.exec(m[1]!)
  if (!q) throw new Error(`gjson query ${JSON.stringify(p)} has no comparison (==, !=, <, <=, >, >=, %, !%)`)
  const raw = q[3]!
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new Error(`gjson query ${JSON.stringify(p)}: the value ${raw} must be a JSON string, number, true, false or null`)
  }
  return { key: q[1]!, op: q[2]!, value, all: m[2] === '#' }
}

function glob(pattern: string, s: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`, 's').test(s)
}

function test(v: unknown, q: Query): boolean {
  const a = q.key ? walk(v, split(q.key)) : v
  if (a === undefined) return false
  const b = q.value
  switch (q.op) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b)
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b)
    case '%':
      return typeof a === 'string' && typeof b === 'string' && glob(b, a)
    case '!%':
      return typeof a === 'string' && typeof b === 'string' && !glob(b, a)
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false
  const x = a as number | string
  const y = b as number | string
  return q.op === '<' ? x < y : q.op === '<=' ? x <= y : q.op === '>' ? x > y : x >= y
}

function walk(v: unknown, ps: string[]): unknown {
  if (!ps.length) return v
  const [p, ...rest] = ps as [string, ...string[]]
  if (p === '@this') return walk(v, rest)
  if (Array.isArray(v)) {
    if (p === '#') return rest.length ? v.map((x) => walk(x, rest)).filter((x) => x !== undefined) : v.length
    if (p.startsWith('#(')) {
      const q = parseQuery(p)
      if (q.all)
        return v
          .filter((x) => test(x, q))
          .map((x) => walk(x, rest))
          .filter((x) => x !== undefined)
      const hit = v.find((x) => test(x, q))
      return hit === undefined ? undefined : walk(hit, rest)
    }
    if (/^\d+$/.test(p)) return walk(v[Number(p)], rest)
    return undefined
  }
  if (v && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, p)) return walk((v as Record<string, unknown>)[p], rest)
  return undefined
}
