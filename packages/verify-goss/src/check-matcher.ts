import { isMap, isSeq, type Node as YamlNode, type Pair } from 'yaml'
import { GossfileError } from './errors.js'
import { gjsonPathProblem } from './gjson.js'
import { toJsRegex } from './regex.js'
import { MATCHERS } from './schema.js'
import type { Where } from './types.js'

export type At = (node: YamlNode | null | undefined) => Where

/** Validates a matcher tree as goss converts it to gomega matchers, at the gossfile line of each part. */
export function checkMatcher(value: unknown, node: YamlNode | null, reader: boolean, file: string, at: At, path: string): void {
  const line = at(node).line
  const bad = (name: string, expected: string, v: unknown) =>
    new GossfileError(file, line, path, `Syntax Error: Invalid '${name}' argument. Expected ${expected} value, but received: ${JSON.stringify(v)}`)
  if (value === null || value === undefined) throw new GossfileError(file, line, path, 'Syntax Error: Missing required attribute')
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return
  if (Array.isArray(value)) {
    const items = isSeq(node) ? node.items : []
    value.forEach((v, i) => {
      if (reader && typeof v !== 'string')
        throw new GossfileError(
          file,
          at(items[i] as YamlNode).line,
          `${path}[${i}]`,
          `a pattern must be a string (text, !text, /regex/ or !/regex/), found ${JSON.stringify(v)}`,
        )
      if (reader) checkPattern(v as string, file, at(items[i] as YamlNode).line, `${path}[${i}]`)
      else checkMatcher(v, (items[i] as YamlNode) ?? node, false, file, at, `${path}[${i}]`)
    })
    return
  }
  const keys = Object.keys(value as object)
  if (keys.length !== 1) {
    throw new GossfileError(
      file,
      line,
      path,
      `Syntax Error: Invalid matcher configuration. At a given nesting level, only one matcher is allowed. Found multiple matchers: ${JSON.stringify(keys)}`,
    )
  }
  const name = keys[0]!
  const arg = (value as Record<string, unknown>)[name]
  const argNode = isMap(node) ? ((node.items[0] as Pair<YamlNode, YamlNode>).value ?? node) : node
  const sub = `${path}.${name}`
  if (!(MATCHERS as readonly string[]).includes(name)) {
    throw new GossfileError(
      file,
      isMap(node) ? at((node.items[0] as Pair<YamlNode, YamlNode>).key).line : line,
      sub,
      `Syntax Error: Unknown matcher: ${name}`,
      `tsimg interprets ${MATCHERS.join(', ')}`,
    )
  }
  const list = (what: string) => {
    if (!Array.isArray(arg)) throw bad(what, 'array', arg)
    const items = isSeq(argNode) ? argNode.items : []
    arg.forEach((v, i) => checkMatcher(v, (items[i] as YamlNode) ?? argNode, false, file, at, `${sub}[${i}]`))
  }
  switch (name) {
    case 'equal':
      return
    case 'have-prefix':
    case 'have-suffix':
    case 'match-regexp':
    case 'contain-substring':
    case 'semver-constraint':
      if (typeof arg !== 'string') throw bad(name, 'string', arg)
      if (name === 'match-regexp') checkRegex(arg, file, line, sub)
      if (name === 'semver-constraint') checkSemverConstraint(arg, file, line, sub)
      return
    case 'have-len':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) throw bad(name, 'numeric', arg)
      return
    case 'have-patterns':
      if (!Array.isArray(arg)) throw bad(name, 'array', arg)
      arg.forEach((p, i) => {
        if (typeof p !== 'string') throw bad(name, 'string patterns', p)
        checkPattern(p, file, line, `${sub}[${i}]`)
      })
      return
    case 'have-key':
    case 'not':
      checkMatcher(arg, argNode, false, file, at, sub)
      return
    case 'have-key-with-value':
      if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || Object.keys(arg).length !== 1)
        throw bad(name, 'a one-entry map {key: value matcher}', arg)
      checkMatcher(Object.values(arg)[0], isMap(argNode) ? ((argNode.items[0] as Pair<YamlNode, YamlNode>).value ?? argNode) : argNode, false, file, at, sub)
      return
    case 'contain-element':
      if (!(typeof arg === 'string' || typeof arg === 'number' || (arg !== null && typeof arg === 'object' && !Array.isArray(arg))))
        throw bad(name, 'matcher, string or numeric', arg)
      checkMatcher(arg, argNode, false, file, at, sub)
      return
    case 'contain-elements':
    case 'consist-of':
    case 'and':
    case 'or':
      list(name)
      return
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      if (typeof arg !== 'number' && !(typeof arg === 'string' && arg.trim() !== '' && !Number.isNaN(Number(arg)))) throw bad(name, 'numeric', arg)
      return
    case 'gjson':
      if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) throw bad(name, 'map', arg)
      if (isMap(argNode)) {
        for (const p of argNode.items as Pair<YamlNode, YamlNode>[]) {
          const path = String((p.key as { value?: unknown }).value)
          const problem = gjsonPathProblem(path)
          if (problem) throw new GossfileError(file, at(p.key).line, `${sub}.${path}`, problem)
          checkMatcher((p.value as YamlNode | null)?.toJSON() ?? null, p.value, false, file, at, `${sub}.${path}`)
        }
      }
      return
  }
}

/** A `/regex/` pattern (optionally `!`-negated, with i/m/s flags) must compile. */
function checkPattern(p: string, file: string, line: number, path: string): void {
  const core = p.startsWith('!') ? p.slice(1) : p
  if (!core.startsWith('/')) return
  const close = core.lastIndexOf('/')
  if (close <= 0 || !/^[ims]*$/.test(core.slice(close + 1))) return
  checkRegex(core.slice(1, close), file, line, path)
}

function checkRegex(re: string, file: string, line: number, path: string): void {
  try {
    toJsRegex(re)
  } catch (err) {
    throw new GossfileError(file, line, path, `invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`)
  }
}

function checkSemverConstraint(c: string, file: string, line: number, path: string): void {
  for (const part of c.split('||').flatMap((s) => s.trim().split(/\s+/))) {
    if (!/^(>=|<=|>|<|=|==|!=)?v?\d+(\.(\d+|[xX*]))?(\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?$/.test(part)) {
      throw new GossfileError(file, line, path, `invalid semver constraint part ${JSON.stringify(part)}`)
    }
  }
}
