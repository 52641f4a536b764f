/** blang/semver-style ranges as goss's semver-constraint takes them: `>1.0.0 <2.0.0 !=1.5.0 || 3.x`. */
type V = [number, number, number, string]

function parse(v: string): V | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.trim())
  if (!m) return undefined
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), m[4] ?? '']
}

function cmp(a: V, b: V): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  if (a[3] === b[3]) return 0
  if (!a[3]) return 1
  if (!b[3]) return -1
  return a[3] < b[3] ? -1 : 1
}

function one(version: V, part: string): boolean {
  // Masterminds' ~1.2.3 (same minor) and ^1.2.3 (same major, or minor when major is 0)
  const tilde = /^~>?\s*(.*)$/.exec(part)
  const caret = /^\^(.*)$/.exec(part)
  if (tilde || caret) {
    const t = parse((tilde ?? caret)![1]!)
    if (!t) return false
    if (cmp(version, t) < 0) return false
    if (tilde) return version[0] === t[0] && version[1] === t[1]
    return t[0] > 0 ? version[0] === t[0] : version[0] === 0 && version[1] === t[1]
  }
  const m = /^(>=|<=|>|<|==|=|!=)?(.*)$/.exec(part)!
  const op = m[1] ?? '='
  const target = m[2]!
  const wild = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(target)
  if (wild && (wild[2] === undefined || /[xX*]/.test(wild[2]) || (wild[3] !== undefined && /[xX*]/.test(wild[3])))) {
    // 1.x / 1.2.x: the version's leading parts equal the given ones
    const fixed = [wild[1], wild[2], wild[3]].filter((x) => x !== undefined && !/[xX*]/.test(x)).map(Number)
    const same = fixed.every((n, i) => version[i] === n)
    return op === '!=' ? !same : same
  }
  const t = parse(target)
  if (!t) return false
  const c = cmp(version, t)
  return { '>': c > 0, '>=': c >= 0, '<': c < 0, '<=': c <= 0, '=': c === 0, '==': c === 0, '!=': c !== 0 }[op] ?? false
}

export function semverSatisfies(version: string, constraint: string): boolean {
  const v = parse(version)
  if (!v) return false
  return constraint.split('||').some((alt) =>
    alt
      .replace(/,/g, ' ')
      .replace(/(>=|<=|!=|==|>|<|=|~>?|\^)\s+/g, '$1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((p) => one(v, p)),
  )
}

/** Sprig's semverCompare: does the version satisfy the constraint (an invalid version is an error, as in Sprig). */
export function semverCompare(constraint: string, version: string): boolean {
  if (!parse(version)) throw new Error(`Invalid Semantic Version: ${JSON.stringify(version)}`)
  return semverSatisfies(version, constraint)
}
