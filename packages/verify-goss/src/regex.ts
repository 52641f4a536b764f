/** Go (RE2) syntax to a JavaScript RegExp: named groups and leading inline flags. */
export function toJsRegex(re: string, extraFlags = ''): RegExp {
  let src = re.replace(/\(\?P</g, '(?<')
  let flags = extraFlags
  const m = /^\(\?([imsU]+)\)/.exec(src)
  if (m) {
    flags += m[1]!.replace(/U/g, '')
    src = src.slice(m[0].length)
  }
  return new RegExp(src, [...new Set(flags)].join(''))
}
