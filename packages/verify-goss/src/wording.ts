import { unifiedDiff } from './diff.js'
import type { MatcherResult } from './matchers.js'

/** goss's prettyPrint: JSON without HTML escaping, optionally indented by four spaces. */
export function pretty(v: unknown, indent: boolean): string {
  const s = JSON.stringify(v === undefined ? null : v) ?? 'null'
  return indent ? indentLines(s) : s
}

function indentLines(text: string): string {
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
}

/** A failed result as goss words it: Expected / found / verb / expected, then missing and extra elements and transforms. */
export function failureText(mr: MatcherResult | undefined, error: string | undefined, compact: boolean): string {
  const sep = compact ? ' ' : '\n'
  const ss: string[] = []
  if (error !== undefined) {
    ss.push('Error', compact ? error.replace(/\s+/g, ' ') : indentLines(error))
    return ss.join(sep)
  }
  if (!mr) return ''
  ss.push('Expected', pretty(mr.actual, !compact), mr.message, pretty(mr.expected, !compact))
  // goss shows a diff under two different strings (long outputs, file contents)
  if (!compact && typeof mr.expected === 'string' && typeof mr.actual === 'string' && mr.expected !== mr.actual) {
    ss.push('diff', indentLines(unifiedDiff(mr.expected, mr.actual)))
  }
  if (Array.isArray(mr.missingElements) && mr.missingElements.length) ss.push('the missing elements were', pretty(mr.missingElements, !compact))
  if (Array.isArray(mr.extraElements) && mr.extraElements.length) ss.push('the extra elements were', pretty(mr.extraElements, !compact))
  if (mr.transformChain?.length) {
    ss.push('the transform chain was', pretty(mr.transformChain, !compact))
    ss.push('the raw value was', pretty(mr.untransformed, !compact))
  }
  return ss.join(sep)
}
