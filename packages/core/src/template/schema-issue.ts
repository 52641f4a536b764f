import { z } from 'zod'

/** The parts of a zod issue the messages use (zod v4's issue shapes). */
export interface SchemaIssue {
  readonly code?: string
  readonly path?: readonly PropertyKey[]
  readonly message?: string
  readonly expected?: string
  readonly origin?: string
  readonly minimum?: number | bigint
  readonly maximum?: number | bigint
  readonly inclusive?: boolean
  readonly exact?: boolean
  readonly format?: string
  readonly pattern?: string
  readonly values?: readonly unknown[]
  readonly divisor?: number
  readonly keys?: readonly string[]
  readonly errors?: readonly (readonly SchemaIssue[])[]
  readonly issues?: readonly SchemaIssue[]
}

const english = z.locales.en()

/** Option names whose values are never echoed in an error (the value may be the secret itself). */
const SECRET_NAME = /secret|password|passphrase|token|private_?key|access_?key|credential/i

/** The value at an issue's path inside what was checked. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

/** A value as an error shows it: JSON, shortened, and never the value of a secret-looking option. */
export function shownValue(value: unknown, path: readonly PropertyKey[] = []): string {
  if (path.some((k) => typeof k === 'string' && SECRET_NAME.test(k))) return '<sensitive>'
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value))
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a bool (true or false)',
  array: 'a list',
  object: 'an object (a block or map)',
  record: 'a map',
  map: 'a map',
  bigint: 'a whole number',
  date: 'a date',
}

/**
 * What a schema problem means, in the words a template's author uses: `expected a whole number,
 * got "ten"`, `must not be empty`, `expected one of "stop", "terminate", got "halt"`. A message
 * the schema's author wrote (`.regex(re, 'expected a CIDR like ...')`) is kept; zod's own
 * wording ("Too small: expected string to have >=1 characters") never reaches a user.
 * `root` is what the schema checked, so the value given can be shown.
 */
export function describeIssue(issue: SchemaIssue, root: unknown): string {
  const path = issue.path ?? []
  const value = valueAt(root, path)
  const own = authored(issue, value)
  const got = `got ${shownValue(value, path)}`
  if (own) return /\bgot\b/.test(own) ? own : `${own}, ${got}`
  const expected = expectation(issue, value)
  if (issue.code === 'invalid_type' && value === undefined) return 'is required'
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1)
    return value === '' ? 'must not be empty (leave it out to use the default)' : 'must not be empty'
  return expected ? `${expected}, ${got}` : `is not valid, ${got}`
}

/** The message the schema's author wrote, if it is not zod's default for this issue. */
function authored(issue: SchemaIssue, value: unknown): string | undefined {
  if (!issue.message || issue.code === 'invalid_union' || issue.code === 'unrecognized_keys') return undefined
  const made = english.localeError({ ...issue, input: value } as never)
  const standard = typeof made === 'string' ? made : made?.message
  return standard === issue.message ? undefined : issue.message
}

/** `expected a list`, `must be at least 1`, ... without the value; undefined when nothing useful can be said. */
function expectation(issue: SchemaIssue, value: unknown): string | undefined {
  const n = (x: number | bigint | undefined) => String(x)
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' entries' : ''
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_WORDS[issue.expected ?? ''] ?? issue.expected ?? 'another type'}`
    case 'too_small':
      if (issue.exact) return `must have exactly ${n(issue.minimum)}${unit}`
      if (unit) return `must have at least ${n(issue.minimum)}${unit}`
      return issue.inclusive === false ? `must be greater than ${n(issue.minimum)}` : `must be at least ${n(issue.minimum)}`
    case 'too_big':
      if (issue.exact) return `must have exactly ${n(issue.maximum)}${unit}`
      if (unit) return `must have at most ${n(issue.maximum)}${unit}`
      return issue.inclusive === false ? `must be less than ${n(issue.maximum)}` : `must be at most ${n(issue.maximum)}`
    case 'invalid_value': {
      const values = (issue.values ?? []).map((x) => JSON.stringify(x))
      return values.length === 1 ? `expected ${values[0]}` : `expected one of ${values.join(', ')}`
    }
    case 'invalid_format':
      if (issue.format === 'regex') return `expected text matching ${issue.pattern ?? 'the required pattern'}`
      return `expected ${issue.format === 'url' ? 'a URL such as https://host:port' : `a valid ${issue.format ?? 'value'}`}`
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`
    case 'invalid_union': {
      // Each alternative's first problem says what it wanted: "expected a whole number or a duration like 5s".
      const wants = (issue.errors ?? []).map((branch) =>
        branch[0] ? (authored(branch[0], valueAt(value, branch[0].path ?? [])) ?? expectation(branch[0], value)) : undefined,
      )
      const words = [...new Set(wants.filter((w): w is string => !!w).map((w) => w.replace(/^expected /, '')))]
      return words.length ? `expected ${words.join(' or ')}` : undefined
    }
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues?.[0] ? expectation(issue.issues[0], value) : undefined
    default:
      return undefined
  }
}
