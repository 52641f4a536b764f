import { parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser'
import { packerError } from '../errors.js'

/**
 * HCL's JSON syntax (`*.pkr.json`), written out as HCL native syntax so the one HCL reader and
 * evaluator serve both. HCL JSON has no schema of its own: which keys are blocks, and how many
 * labels each takes, is Packer's schema below (as hashicorp/hcl's json package decides it from
 * the schema it is given). Strings stay templates (`"${var.x}"`), arrays of block objects keep
 * their order (provisioners across types), and every HCL line remembers its JSON line.
 */
type Schema = Readonly<Record<string, { labels: number; body: Schema }>>

const NONE: Schema = {}
const POST_PROCESSOR = { labels: 1, body: NONE }
const SCHEMA: Schema = {
  packer: { labels: 0, body: { required_plugins: { labels: 0, body: NONE } } },
  variable: { labels: 1, body: { validation: { labels: 0, body: NONE } } },
  variables: { labels: 0, body: NONE },
  locals: { labels: 0, body: NONE },
  local: { labels: 1, body: NONE },
  source: { labels: 2, body: NONE },
  data: { labels: 2, body: NONE },
  build: {
    labels: 0,
    body: {
      source: { labels: 1, body: NONE },
      provisioner: { labels: 1, body: NONE },
      'error-cleanup-provisioner': { labels: 1, body: NONE },
      'post-processor': POST_PROCESSOR,
      'post-processors': { labels: 0, body: { 'post-processor': POST_PROCESSOR } },
    },
  },
}

/** Attributes whose JSON string is an expression, not a template (HCL's JSON rules for types). */
const EXPRESSION_KEYS = new Set(['type'])

export function jsonToHcl(text: string, file: string): { hcl: string; lines: number[] } {
  const errors: ParseError[] = []
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true })
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length
  if (errors.length || !root) throw packerError({ file, line: lineAt(errors[0]?.offset ?? 0) }, '', 'is not valid JSON')
  if (root.type !== 'object') throw packerError({ file, line: 1 }, '', 'an HCL JSON template is an object of blocks')
  const out: string[] = []
  const lines: number[] = []
  const emit = (s: string, n: JsonNode) => {
    out.push(s)
    lines.push(lineAt(n.offset))
  }

  const body = (n: JsonNode, schema: Schema, inVariable: boolean) => {
    if (n.type !== 'object') throw packerError({ file, line: lineAt(n.offset) }, '', 'a block body must be an object')
    for (const [key, v] of props(n)) {
      const s = schema[key]
      if (s) blocks(key, v, s)
      else emit(`${key} = ${inVariable && EXPRESSION_KEYS.has(key) && v.type === 'string' ? String(v.value) : expr(v)}`, v)
    }
  }
  const blocks = (type: string, v: JsonNode, s: Schema[string], labels: string[] = []) => {
    if (v.type === 'array') {
      for (const item of v.children ?? []) blocks(type, item, s, labels)
      return
    }
    if (labels.length < s.labels) {
      if (v.type !== 'object') throw packerError({ file, line: lineAt(v.offset) }, type, `needs ${s.labels} label(s): an object keyed by each label`)
      for (const [label, inner] of props(v)) blocks(type, inner, s, [...labels, label])
      return
    }
    emit(`${type} ${labels.map((l) => JSON.stringify(l)).join(' ')} {`, v)
    body(v, s.body, type === 'variable')
    emit('}', v)
  }
  body(root, SCHEMA, false)
  return { hcl: `${out.join('\n')}\n`, lines }
}

function props(n: JsonNode): [string, JsonNode][] {
  return (n.children ?? []).flatMap((p) => {
    const [k, v] = p.children ?? []
    // "//" keys are HCL JSON comments.
    return k && v && k.value !== '//' ? [[String(k.value), v] as [string, JsonNode]] : []
  })
}

/** A JSON value as an HCL expression; strings stay templates. */
function expr(n: JsonNode): string {
  switch (n.type) {
    case 'string':
      return `"${template(String(n.value))}"`
    case 'array':
      return `[${(n.children ?? []).map(expr).join(', ')}]`
    case 'object':
      return `{ ${props(n)
        .map(([k, v]) => `${JSON.stringify(k)} = ${expr(v)}`)
        .join(', ')} }`
    default:
      return String(n.value)
  }
}

/** A JSON string as the body of an HCL quoted template: literal text escaped, `${...}` and `%{...}` kept as written. */
function template(v: string): string {
  let out = ''
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!
    if ((c === '$' || c === '%') && v[i + 1] === '{' && v[i - 1] !== c) {
      const end = closing(v, i + 2)
      out += v.slice(i, end + 1)
      i = end
    } else {
      out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : c
    }
  }
  return out
}

/** Index of the `}` closing an interpolation that starts at `from`, skipping nested braces and strings. */
function closing(v: string, from: number): number {
  let depth = 1
  for (let i = from; i < v.length; i++) {
    const c = v[i]
    if (c === '"') {
      for (i++; i < v.length && v[i] !== '"'; i++) if (v[i] === '\\') i++
    } else if (c === '{') depth++
    else if (c === '}' && --depth === 0) return i
  }
  return v.length - 1
}
