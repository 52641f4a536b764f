import { packerError } from '../errors.js'
import { hasCode } from '../functions.js'
import type { Body, BodyBlock, EvalSession } from '../model.js'
import { describe } from './eval.js'

/** One block a `dynamic` block stands for: its body, and the session that knows its iterator. */
export interface DynamicBlock {
  readonly body: Body
  readonly line: number
  readonly labels: readonly string[]
  readonly session: EvalSession
}

export interface DynamicInput {
  readonly file: string
  /** The Packer field of the blocks it makes (`source "amazon-ebs" "web".tag`), for errors. */
  readonly field: string
  readonly session: EvalSession
  readonly source?: { type: string; name: string }
}

const KNOWN = new Set(['for_each', 'iterator', 'labels'])

/**
 * Expands `dynamic "tag" { for_each = ...; iterator = t; labels = [...]; content { ... } }`
 * into one block per element, as HCL's dynblock extension does: for_each is a list, set, map
 * or object; the iterator (named after the block unless `iterator` says otherwise) has `key`
 * (the index of a list, the key of a map) and `value`. The content's expressions, and any
 * dynamic block nested in it, see the iterator through the session each block carries.
 */
export function expandDynamic(d: BodyBlock, input: DynamicInput): DynamicBlock[] {
  const at = (line: number) => ({ file: input.file, line })
  const field = `${input.field} (dynamic)`
  for (const a of d.body.attrs) {
    if (!KNOWN.has(a.name))
      throw packerError(
        at(a.line),
        `${field}.${a.name}`,
        'unknown argument of a dynamic block',
        'A dynamic block has for_each, iterator, labels and one content block.',
      )
  }
  for (const b of d.body.blocks) {
    if (b.type !== 'content')
      throw packerError(
        at(b.line),
        `${field}.${b.type}`,
        'a dynamic block holds one content block and no other',
        'Put the nested blocks inside content { ... }.',
      )
  }
  const contents = d.body.blocks.filter((b) => b.type === 'content')
  if (contents.length !== 1)
    throw packerError(at(contents[1]?.line ?? d.line), field, contents.length ? 'has more than one content block' : 'has no content block')
  const forEach = d.body.attrs.find((a) => a.name === 'for_each')
  if (!forEach) throw packerError(at(d.line), field, 'has no for_each')
  const each = input.session.value(forEach.raw, input.file, forEach.line, input.source)
  const entries = elements(each, () => {
    if (typeof each === 'string' && hasCode(each)) {
      return packerError(
        at(forEach.line),
        `${field}.for_each`,
        'depends on a variable, so tsimg convert cannot write the blocks it makes',
        'convert writes dynamic blocks expanded: give for_each a list written in the template (or a local of constants), or run the Packer template itself with tsimg build.',
      )
    }
    return packerError(at(forEach.line), `${field}.for_each`, `must be a list, set, map or object, got ${describe(each)}`)
  })
  const iteratorAttr = d.body.attrs.find((a) => a.name === 'iterator')
  const iterator = iteratorAttr ? identifier(iteratorAttr.raw) : d.labels?.[0]
  if (!iterator) throw packerError(at(iteratorAttr?.line ?? d.line), `${field}.iterator`, 'must be a plain name, e.g. iterator = disk')
  const labelsAttr = d.body.attrs.find((a) => a.name === 'labels')
  const scoped = input.session.with
  if (!scoped) throw packerError(at(d.line), field, 'dynamic blocks are read in HCL templates only')
  return entries.map(([key, value]) => {
    const session = scoped({ [iterator]: { key, value } })
    const labels = labelsAttr ? session.value(labelsAttr.raw, input.file, labelsAttr.line, input.source) : []
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))
      throw packerError(at(labelsAttr!.line), `${field}.labels`, 'must be a list of strings')
    return { body: contents[0]!.body, line: d.line, labels: labels as string[], session }
  })
}

/**
 * for_each's elements as [key, value]: a list's index (a set's too: tsimg keeps sets as lists,
 * where HCL gives a set's value as its key), a map's key. HCL iterates a map or object in key
 * order, whatever order it was written in, and so does this.
 */
function elements(v: unknown, bad: () => Error): [unknown, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x])
  if (typeof v === 'object' && v !== null) return Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  throw bad()
}

/** `iterator = disk`: the name as written (an expression node's text), not its value. */
function identifier(raw: unknown): string | undefined {
  const text = typeof raw === 'object' && raw !== null && 'text' in raw ? String((raw as { text: unknown }).text).trim() : undefined
  return text && /^[A-Za-z_][\w-]*$/.test(text) ? text : undefined
}
