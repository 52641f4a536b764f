import { CloudError } from '../backend/errors.js'

/** A parsed Query-protocol request: `Filter.1.Value.2=x` becomes { Filter: [{ Value: [, 'x'] }] }. */
type Param = string | Param[] | { [key: string]: Param }
export type Params = { [key: string]: Param }

/** Builds a tree from dotted keys; numeric segments are 1-based list positions. */
export function parseQuery(body: string): Params {
  const root: Params = {}
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.')
    // Parsing happens before the signature check: never let a key reach Object.prototype.
    if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue
    let node: Record<string, Param> = root
    parts.forEach((part, i) => {
      const last = i === parts.length - 1
      const isIndex = /^\d+$/.test(part)
      const slot = isIndex ? String(Number(part) - 1) : part
      if (last) node[slot] = value
      else {
        const nextIsIndex = /^\d+$/.test(parts[i + 1]!)
        if (node[slot] === undefined || typeof node[slot] === 'string') node[slot] = nextIsIndex ? ([] as Param[]) : {}
        node = node[slot] as Record<string, Param>
      }
    })
  }
  return root
}

/** Typed, tolerant readers over a parsed request. */
export class Reader {
  constructor(readonly params: Params) {}

  str(name: string): string | undefined {
    const v = this.params[name]
    return typeof v === 'string' ? v : undefined
  }

  required(name: string): string {
    const v = this.str(name)
    if (v === undefined || v === '') throw new CloudError('MissingParameter', `The request must contain the parameter ${name}`)
    return v
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name)
    return v === undefined ? undefined : v === 'true'
  }

  int(name: string): number | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isInteger(n)) throw new CloudError('InvalidParameterValue', `Invalid value '${v}' for ${name}`)
    return n
  }

  /** `Name.1=a&Name.2=b` → ['a', 'b']. */
  list(name: string): string[] {
    return strings(this.params[name])
  }

  /** `Name.1.Key=..` → [Reader, ...]. */
  structs(name: string): Reader[] {
    const v = this.params[name]
    if (!Array.isArray(v)) return []
    return v.filter((x): x is Params => !!x && typeof x === 'object' && !Array.isArray(x)).map((x) => new Reader(x))
  }

  struct(name: string): Reader | undefined {
    const v = this.params[name]
    return v && typeof v === 'object' && !Array.isArray(v) ? new Reader(v) : undefined
  }
}

function strings(v: Param | undefined): string[] {
  if (v === undefined) return []
  if (typeof v === 'string') return [v]
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  return []
}
