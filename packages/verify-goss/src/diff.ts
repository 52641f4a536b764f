/**
 * The unified diff goss adds under a failed string comparison (go-difflib, context 1, from
 * "test" = expected to "actual" = found). Opcodes come from a longest-common-subsequence match
 * of lines, which agrees with difflib's matcher on the short texts checks compare.
 */
type Op = { tag: 'equal' | 'replace' | 'delete' | 'insert'; i1: number; i2: number; j1: number; j2: number }

function splitLines(s: string): string[] {
  const lines = s.split('\n').map((l) => l + '\n')
  lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, -1) + '\n'
  return lines
}

function opcodes(a: string[], b: string[]): Op[] {
  const n = a.length
  const m = b.length
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!)
  const matches: [number, number][] = []
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[i] === b[j]) {
      matches.push([i++, j++])
    } else if (L[i + 1]![j]! >= L[i]![j + 1]!) i++
    else j++
  }
  const ops: Op[] = []
  let i = 0
  let j = 0
  const flush = (ai: number, bj: number) => {
    if (i < ai && j < bj) ops.push({ tag: 'replace', i1: i, i2: ai, j1: j, j2: bj })
    else if (i < ai) ops.push({ tag: 'delete', i1: i, i2: ai, j1: j, j2: j })
    else if (j < bj) ops.push({ tag: 'insert', i1: i, i2: i, j1: j, j2: bj })
  }
  for (const [ai, bj] of [...matches, [n, m] as [number, number]]) {
    flush(ai, bj)
    if (ai < n) {
      const last = ops.at(-1)
      if (last?.tag === 'equal' && last.i2 === ai) {
        last.i2++
        last.j2++
      } else ops.push({ tag: 'equal', i1: ai, i2: ai + 1, j1: bj, j2: bj + 1 })
    }
    i = ai + 1
    j = bj + 1
  }
  return ops.length ? ops : [{ tag: 'equal', i1: 0, i2: 1, j1: 0, j2: 1 }]
}

function grouped(codes: Op[], n: number): Op[][] {
  const c = codes.map((o) => ({ ...o }))
  if (c[0]!.tag === 'equal') {
    const o = c[0]!
    o.i1 = Math.max(o.i1, o.i2 - n)
    o.j1 = Math.max(o.j1, o.j2 - n)
  }
  const last = c.at(-1)!
  if (last.tag === 'equal') {
    last.i2 = Math.min(last.i2, last.i1 + n)
    last.j2 = Math.min(last.j2, last.j1 + n)
  }
  const groups: Op[][] = []
  let group: Op[] = []
  for (const o of c) {
    if (o.tag === 'equal' && o.i2 - o.i1 > 2 * n) {
      group.push({ ...o, i2: Math.min(o.i2, o.i1 + n), j2: Math.min(o.j2, o.j1 + n) })
      groups.push(group)
      group = []
      o.i1 = Math.max(o.i1, o.i2 - n)
      o.j1 = Math.max(o.j1, o.j2 - n)
    }
    group.push(o)
  }
  if (group.length && !(group.length === 1 && group[0]!.tag === 'equal')) groups.push(group)
  return groups
}

function range(start: number, stop: number): string {
  let beginning = start + 1
  const length = stop - start
  if (length === 1) return `${beginning}`
  if (length === 0) beginning--
  return `${beginning},${length}`
}

export function unifiedDiff(expected: string, actual: string): string {
  const a = splitLines(expected)
  const b = splitLines(actual)
  let out = ''
  for (const g of grouped(opcodes(a, b), 1)) {
    if (!out) out = '--- test\n+++ actual\n'
    const first = g[0]!
    const last = g.at(-1)!
    out += `@@ -${range(first.i1, last.i2)} +${range(first.j1, last.j2)} @@\n`
    for (const o of g) {
      if (o.tag === 'equal') for (const l of a.slice(o.i1, o.i2)) out += ' ' + l
      if (o.tag === 'replace' || o.tag === 'delete') for (const l of a.slice(o.i1, o.i2)) out += '-' + l
      if (o.tag === 'replace' || o.tag === 'insert') for (const l of b.slice(o.j1, o.j2)) out += '+' + l
    }
  }
  return out
}
