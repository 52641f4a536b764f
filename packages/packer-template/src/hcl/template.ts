import type { Node } from 'web-tree-sitter'
import { EvalError } from '../errors.js'
// eslint-disable-next-line import-x/no-cycle -- one recursive evaluator in two files (see eval.ts)
import { describe, evaluate, truthy, type HclScope } from './eval.js'
import { kids, lineOf, named } from './parse.js'

/** A quoted or heredoc template, with `${}` interpolations, `%{}` directives and `~` strip markers. */
export function template(node: Node, scope: HclScope): unknown {
  const source = node.tree.rootNode.text
  const children = kids(node)
  const heredoc = node.type === 'heredoc_template'
  const quoted = !heredoc
  // A template that is exactly one interpolation keeps the value's type (`"${var.list}"`).
  const body = children.filter((c) => !['quoted_template_start', 'quoted_template_end', 'heredoc_start', 'heredoc_identifier'].includes(c.type))
  if (quoted && body.length === 1 && body[0]!.type === 'template_interpolation')
    return evaluate(
      named(body[0]!).find((c) => c.type === 'expression')!,
      scope,
    )
  let start: number
  let end: number
  if (heredoc) {
    const ids = children.filter((c) => c.type === 'heredoc_identifier')
    start = source.indexOf('\n', ids[0]!.endIndex) + 1
    end = source.lastIndexOf('\n', ids[1]!.startIndex) + 1
  } else {
    start = children[0]!.endIndex
    end = children[children.length - 1]!.startIndex
  }
  const indent = heredoc && kids(children[0]!)[0]?.type === '<<-' ? minIndent(source.slice(start, end)) : 0
  const out = renderParts(body, start, end, { source, scope, quoted, indent })
  return out
}

interface RenderCtx {
  source: string
  scope: HclScope
  quoted: boolean
  indent: number
}

/** `${~` / `%{~` strip the whitespace before a marker; `~}` the whitespace after it. */
const leftMark = (n: Node): boolean => kids(n)[1]?.type === 'strip_marker'
const rightMark = (n: Node): boolean => kids(n)[kids(n).length - 2]?.type === 'strip_marker'

function renderParts(parts: Node[], start: number, end: number, ctx: RenderCtx, strip: { start?: boolean; end?: boolean } = {}): string {
  let out = ''
  let pos = start
  let stripNext = strip.start ?? false
  const literal = (from: number, to: number) => {
    if (to <= from) return
    let text = ctx.source.slice(from, to)
    if (ctx.indent) text = dedent(text, from, ctx)
    text = ctx.quoted ? unescape(text) : text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{')
    if (stripNext) text = text.replace(/^\s+/, '')
    stripNext = false
    out += text
  }
  for (const p of parts) {
    if (p.type === 'template_literal') continue
    if (p.startIndex < start || p.endIndex > end) continue
    literal(pos, p.startIndex)
    stripNext = false
    if (p.type === 'template_interpolation') {
      if (leftMark(p)) out = out.replace(/\s+$/, '')
      out += stringify(
        evaluate(
          named(p).find((c) => c.type === 'expression')!,
          ctx.scope,
        ),
        p,
      )
      stripNext = rightMark(p)
    } else if (p.type === 'template_directive') {
      const d = named(p)[0]!
      const pieces = named(d)
      if (leftMark(pieces[0]!)) out = out.replace(/\s+$/, '')
      out += directive(d, ctx)
      stripNext = rightMark(pieces[pieces.length - 1]!)
    }
    pos = p.endIndex
  }
  literal(pos, end)
  if (strip.end) out = out.replace(/\s+$/, '')
  return out
}

function directive(d: Node, ctx: RenderCtx): string {
  const parts = named(d)
  // The markers inside a directive trim its body: `%{ for x in l ~}` and `%{~ endfor }`.
  const body = (open: Node, close: Node, c: RenderCtx) =>
    renderParts(parts, open.endIndex, close.startIndex, c, { start: rightMark(open), end: leftMark(close) })
  if (d.type === 'template_if') {
    const intro = parts.find((c) => c.type === 'template_if_intro')!
    const elseIntro = parts.find((c) => c.type === 'template_else_intro')
    const endIf = parts.find((c) => c.type === 'template_if_end')!
    const cond = truthy(
      evaluate(
        named(intro).find((c) => c.type === 'expression')!,
        ctx.scope,
      ),
      d,
    )
    if (cond) return body(intro, elseIntro ?? endIf, ctx)
    return elseIntro ? body(elseIntro, endIf, ctx) : ''
  }
  if (d.type === 'template_for') {
    const startNode = parts.find((c) => c.type === 'template_for_start')!
    const endNode = parts.find((c) => c.type === 'template_for_end')!
    const idents = named(startNode)
      .filter((c) => c.type === 'identifier')
      .map((c) => c.text)
    const coll = evaluate(
      named(startNode).find((c) => c.type === 'expression')!,
      ctx.scope,
    )
    const entries: [unknown, unknown][] = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries((coll ?? {}) as Record<string, unknown>)
    return entries
      .map(([k, v]) => {
        const names = { ...ctx.scope.names, ...(idents.length === 2 ? { [idents[0]!]: k, [idents[1]!]: v } : { [idents[0]!]: v }) }
        return body(startNode, endNode, { ...ctx, scope: { ...ctx.scope, names } })
      })
      .join('')
  }
  throw new EvalError(`template directive ${d.type} is not supported`, undefined, lineOf(d))
}

function stringify(v: unknown, at: Node): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new EvalError(`"${at.text}": cannot put ${describe(v)} into a string`, undefined, lineOf(at))
}

function minIndent(text: string): number {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return lines.length ? Math.min(...lines.map((l) => /^[ \t]*/.exec(l)![0].length)) : 0
}

/** Removes the heredoc's common indentation at the start of each source line in [from, ...). */
function dedent(text: string, from: number, ctx: RenderCtx): string {
  const atLineStart = from === 0 || ctx.source[from - 1] === '\n'
  const lines = text.split('\n')
  return lines.map((l, i) => (i > 0 || atLineStart ? l.slice(Math.min(ctx.indent, /^[ \t]*/.exec(l)![0].length)) : l)).join('\n')
}

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt"\\])|\$\$\{|%%\{/g, (m, e: string | undefined) => {
    if (m === '$${') return '${'
    if (m === '%%{') return '%{'
    if (e === 'n') return '\n'
    if (e === 'r') return '\r'
    if (e === 't') return '\t'
    if (e === '"' || e === '\\') return e
    return String.fromCodePoint(parseInt(e!.slice(1), 16))
  })
}
