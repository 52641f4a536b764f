import { CloudError } from '../backend/errors.js'
import type { Reader } from './query.js'

/** How to read each filter name's values from a record; tag:*, tag-key and tag-value come free. */
export type FilterSpec<T> = Record<string, (r: T) => string | readonly (string | undefined)[] | boolean | number | undefined>

export interface Filter {
  readonly name: string
  readonly values: readonly string[]
}

export function readFilters(r: Reader): Filter[] {
  return r.structs('Filter').map((f) => ({ name: f.str('Name') ?? '', values: f.list('Value') }))
}

/** EC2 filter values accept * and ? wildcards (\ escapes them). */
function wildcard(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    else if (c === '*') re += '.*'
    else if (c === '?') re += '.'
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`, 's')
}

/** Keeps the records matching every filter (values within one filter are OR-ed). */
export function applyFilters<T>(items: readonly T[], filters: readonly Filter[], spec: FilterSpec<T>, tags: (r: T) => ReadonlyMap<string, string>): T[] {
  for (const f of filters) {
    if (!f.name) throw new CloudError('InvalidParameterValue', 'The filter name must not be empty')
    if (!f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value' && !spec[f.name])
      throw new CloudError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  }
  return items.filter((item) =>
    filters.every((f) => {
      const patterns = f.values.map(wildcard)
      let actual: (string | undefined)[]
      if (f.name.startsWith('tag:')) {
        const v = tags(item).get(f.name.slice(4))
        actual = v === undefined ? [] : [v]
      } else if (f.name === 'tag-key') actual = [...tags(item).keys()]
      else if (f.name === 'tag-value') actual = [...tags(item).values()]
      else {
        const v = spec[f.name]!(item)
        actual = v === undefined ? [] : Array.isArray(v) ? [...v] : [String(v)]
      }
      return actual.some((a) => a !== undefined && patterns.some((p) => p.test(a)))
    }),
  )
}
