const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/**
 * Go (RE2) syntax to a JavaScript RegExp: named groups `(?P<n>)`, leading inline flags `(?i)`,
 * POSIX classes `[[:alpha:]]`, `\A` / `\z`, and `\Q...\E` literals. RE2's ungreedy flag `U`
 * has no JavaScript form and is refused rather than read differently.
 */
export function toJsRegex(re: string, extraFlags = ''): RegExp {
  let src = re.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
  src = src.replace(/\(\?P</g, '(?<')
  let flags = extraFlags
  const m = /^\(\?([imsU]+)\)/.exec(src)
  if (m) {
    if (m[1]!.includes('U')) throw new Error('the ungreedy flag (?U) has no JavaScript equivalent')
    flags += m[1]!
    src = src.slice(m[0].length)
  }
  src = src.replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
    const cls = POSIX[name]
    if (!cls) throw new Error(`unknown character class [:${name}:]`)
    if (neg) throw new Error(`negated class [:^${name}:] is not supported`)
    return cls
  })
  src = src.replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])')
  return new RegExp(src, [...new Set(flags)].join(''))
}
