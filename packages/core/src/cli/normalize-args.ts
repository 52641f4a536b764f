/** Long options that take a value in the next argument when written without `=`. */
const TAKES_VALUE = new Set(['var', 'var-file', 'only', 'except', 'on-error', 'parallel-builds', 'state-dir', 'image', 'junit'])

/**
 * Packer spells long flags with one dash (`-var`, `-only=a,b`, `-color=false`); commander wants
 * two. Rewrites `-name` and `-name=value` to `--name...` before parsing, leaving option values
 * (`-var x=-y`), single-letter flags (`-h`, `-V`) and everything after `--` alone.
 */
export function normalizePackerFlags(args: readonly string[]): string[] {
  const out: string[] = []
  let valueNext = false
  let rest = false
  for (const arg of args) {
    if (rest || valueNext) {
      out.push(arg)
      valueNext = false
      continue
    }
    if (arg === '--') {
      rest = true
      out.push(arg)
      continue
    }
    const m = /^--?([a-z][a-z0-9-]+)(=.*)?$/i.exec(arg)
    if (m) {
      const [, name, value] = m
      out.push(`--${name}${value ?? ''}`)
      valueNext = value === undefined && TAKES_VALUE.has(name!.toLowerCase())
      continue
    }
    out.push(arg)
  }
  return out
}

/** `-var name=value`: split at the first `=`. */
export function parseVarAssignment(text: string): [string, string] {
  const i = text.indexOf('=')
  if (i <= 0) throw new Error(`-var expects name=value, got '${text}'`)
  return [text.slice(0, i), text.slice(i + 1)]
}

/** `-color=false`, `-color=0`, `-color` (true). */
export function parseBool(text: string | boolean | undefined): boolean {
  if (text === undefined || text === true) return true
  if (text === false) return false
  const v = text.trim().toLowerCase()
  if (['true', '1', 'yes', 'on', ''].includes(v)) return true
  if (['false', '0', 'no', 'off'].includes(v)) return false
  throw new Error(`expected true or false, got '${text}'`)
}
