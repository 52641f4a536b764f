import { MatchError } from './matchers.js'

/**
 * The part of gjson's path syntax goss users write against JSON output: `a.b`, array
 * indexes `items.0`, `items.#` (length), `items.#.name` (each element's name), `@this`,
 * `\.` for a literal dot. Anything else is "Path not found", as gjson reports a miss.
 */
export function gjsonGet(input: unknown, path: string): unknown {
  if (typeof input !== 'string') throw new MatchError(`Expected string, Got:${JSON.stringify(input)}`)
  let doc: unknown
  try {
    doc = JSON.parse(input)
  } catch {
    throw new MatchError('Invalid json')
  }
  const parts = path.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'))
  const walk = (v: unknown, ps: string[]): unknown => {
    if (!ps.length) return v
    const [p, ...rest] = ps
    if (p === '@this') return walk(v, rest)
    if (Array.isArray(v)) {
      if (p === '#') return rest.length ? v.map((x) => walk(x, rest)).filter((x) => x !== undefined) : v.length
      if (/^\d+$/.test(p!)) return walk(v[Number(p)], rest)
      return undefined
    }
    if (v && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, p!)) return walk((v as Record<string, unknown>)[p!], rest)
    return undefined
  }
  const r = walk(doc, parts)
  if (r === undefined) throw new MatchError(`Path not found: ${path}`)
  return r
}
