import { readdir } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve, sep } from 'node:path'

const MAGIC = /[*?[]/

/** Go's filepath.Glob: `*`, `?` and `[...]` within one path segment (no `**`); sorted matches. */
export async function goGlob(pattern: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? pattern : resolve(pattern)
  if (!MAGIC.test(abs)) return existsSync(abs) ? [abs] : []
  const parts = abs.split(sep)
  let bases = [parts[0] === '' ? sep : parts[0]!]
  for (const part of parts.slice(1)) {
    if (!part) continue
    const next: string[] = []
    for (const base of bases) {
      if (!MAGIC.test(part)) {
        const p = join(base, part)
        if (existsSync(p)) next.push(p)
        continue
      }
      const re = segmentRegex(part)
      let names: string[]
      try {
        names = await readdir(base)
      } catch {
        continue
      }
      for (const n of names.sort()) if (re.test(n)) next.push(join(base, n))
    }
    bases = next
  }
  return bases.sort()
}

function segmentRegex(seg: string): RegExp {
  let out = ''
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!
    if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1)
      if (end < 0) throw new Error(`syntax error in pattern: ${seg}`)
      let cls = seg.slice(i + 1, end)
      if (cls.startsWith('^')) cls = '^' + cls.slice(1)
      out += `[${cls.replace(/\\/g, '\\\\')}]`
      i = end
    } else if (c === '\\' && i + 1 < seg.length) out += seg[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${out}$`)
}
