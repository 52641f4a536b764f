/**
 * The part of Go's text/template that gossfiles use: actions with pipelines, variables,
 * if/else if/else, range (with `$k, $v :=` and else), with, comments and `{{-`/`-}}` trimming.
 * `define`, `template` and `block` are not interpreted (an error names the line).
 */

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
  }
}

export type Operand =
  | { kind: 'field'; base: 'dot' | { variable: string }; names: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipe: Pipeline; names: string[] }

interface Command {
  readonly args: Operand[]
}

export interface Pipeline {
  /** `$x := ...` or `$i, $v := ...` (range); `assign` for `$x = ...`. */
  readonly decl: string[]
  readonly assign: boolean
  readonly cmds: Command[]
  readonly line: number
}

export type Node =
  | { kind: 'text'; text: string; line: number }
  | { kind: 'action'; pipe: Pipeline; line: number }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; else: Node[]; line: number }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; else: Node[]; line: number }
  | { kind: 'break' | 'continue'; line: number }

interface RawAction {
  body: string
  line: number
}

type Piece = { text: string; line: number } | RawAction

/** Splits the template into text and action bodies, applying `{{-` / `-}}` trimming. */
function lex(src: string): Piece[] {
  const pieces: Piece[] = []
  let i = 0
  let line = 1
  const count = (s: string) => s.split('\n').length - 1
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    if (open < 0) {
      pieces.push({ text: src.slice(i), line })
      break
    }
    let text = src.slice(i, open)
    const textLine = line
    line += count(text)
    let j = open + 2
    const trimLeft = src[j] === '-' && /\s/.test(src[j + 1] ?? '')
    if (trimLeft) {
      j += 1
      text = text.replace(/\s+$/, '')
    }
    if (text) pieces.push({ text, line: textLine })
    // find the closing delimiter outside string literals and comments
    let k = j
    let quote: string | null = null
    while (k < src.length) {
      const c = src[k]!
      if (quote) {
        if (c === '\\' && quote !== '`') k++
        else if (c === quote) quote = null
      } else if (c === '"' || c === '`' || c === "'") quote = c
      else if (src.startsWith('/*', k)) {
        const end = src.indexOf('*/', k + 2)
        if (end < 0) throw new TemplateSyntaxError('unclosed comment', line)
        k = end + 1
      } else if (src.startsWith('}}', k)) break
      k++
    }
    if (k >= src.length) throw new TemplateSyntaxError('unclosed action (no "}}")', line)
    let body = src.slice(j, k)
    const actionLine = line
    line += count(src.slice(open, k + 2))
    i = k + 2
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1)
      const ws = /^\s*/.exec(src.slice(i))![0]
      line += count(ws)
      i += ws.length
    }
    pieces.push({ body: body.trim(), line: actionLine })
  }
  return pieces
}

interface Token {
  t: 'ident' | 'field' | 'var' | 'string' | 'number' | 'bool' | 'nil' | 'dot' | '(' | ')' | '|' | ':=' | '=' | ','
  v: string
  /** Whitespace came before it: `(x) .y` is two operands, `(x).y` one. */
  spaced?: boolean
}

function tokenize(body: string, line: number): Token[] {
  const out: Token[] = []
  let i = 0
  let spaced = false
  const add = (t: Token) => {
    out.push(spaced ? { ...t, spaced } : t)
    spaced = false
  }
  while (i < body.length) {
    const c = body[i]!
    if (/\s/.test(c)) {
      spaced = true
      i++
      continue
    }
    const rest = body.slice(i)
    let m: RegExpExecArray | null
    if (rest.startsWith(':=')) {
      add({ t: ':=', v: ':=' })
      i += 2
    } else if ('()|=,'.includes(c)) {
      add({ t: c as Token['t'], v: c })
      i++
    } else if (c === '"') {
      m = /^"(?:[^"\\]|\\.)*"/.exec(rest)
      if (!m) throw new TemplateSyntaxError('unterminated quoted string', line)
      add({ t: 'string', v: JSON.parse(m[0].replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string })
      i += m[0].length
    } else if (c === '`') {
      const end = body.indexOf('`', i + 1)
      if (end < 0) throw new TemplateSyntaxError('unterminated raw string', line)
      add({ t: 'string', v: body.slice(i + 1, end) })
      i = end + 1
    } else if (c === "'") {
      m = /^'(\\.|[^'\\])'/.exec(rest)
      if (!m) throw new TemplateSyntaxError('malformed character constant', line)
      const ch = m[1]!.startsWith('\\') ? (JSON.parse(`"${m[1]}"`) as string) : m[1]!
      add({ t: 'number', v: String(ch.codePointAt(0)) })
      i += m[0].length
    } else if ((m = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(rest))) {
      add({ t: 'field', v: m[0] })
      i += m[0].length
    } else if (c === '.') {
      add({ t: 'dot', v: '.' })
      i++
    } else if ((m = /^\$[A-Za-z0-9_]*/.exec(rest))) {
      add({ t: 'var', v: m[0] })
      i += m[0].length
      const f = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(body.slice(i))
      if (f) {
        add({ t: 'field', v: f[0] })
        i += f[0].length
      }
    } else if ((m = /^[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?)/.exec(rest)) && m[0] !== '') {
      add({ t: 'number', v: m[0].replace(/_/g, '') })
      i += m[0].length
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      const w = m[0]
      add(w === 'true' || w === 'false' ? { t: 'bool', v: w } : w === 'nil' ? { t: 'nil', v: w } : { t: 'ident', v: w })
      i += w.length
      if (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) throw new TemplateSyntaxError(`unexpected "." after ${w}`, line)
    } else {
      throw new TemplateSyntaxError(`unexpected ${JSON.stringify(c)} in action`, line)
    }
  }
  return out
}

function parsePipeline(tokens: Token[], line: number, allowDecl: 'one' | 'two'): Pipeline {
  const decl: string[] = []
  let assign = false
  let pos = 0
  // declarations: $x := / $x = / $i, $v :=
  const declEnd = tokens.findIndex((t) => t.t === ':=' || t.t === '=')
  if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.t === 'var' || t.t === ',')) {
    const names = tokens
      .slice(0, declEnd)
      .filter((t) => t.t === 'var')
      .map((t) => t.v)
    if (names.length > (allowDecl === 'two' ? 2 : 1)) throw new TemplateSyntaxError('too many declarations in pipeline', line)
    decl.push(...names)
    assign = tokens[declEnd]!.t === '='
    pos = declEnd + 1
  }
  const cmds: Command[] = []
  let args: Operand[] = []
  const stack: Token[] = tokens.slice(pos)
  const next = (): Operand => {
    const t = stack.shift()!
    switch (t.t) {
      case 'dot':
        return { kind: 'field', base: 'dot', names: [] }
      case 'field':
        return { kind: 'field', base: 'dot', names: t.v.slice(1).split('.') }
      case 'var': {
        const f = stack[0]?.t === 'field' && !stack[0].spaced ? stack.shift()!.v.slice(1).split('.') : []
        return { kind: 'field', base: { variable: t.v }, names: f }
      }
      case 'string':
        return { kind: 'string', value: t.v }
      case 'number': {
        const n = Number(t.v)
        if (Number.isNaN(n)) throw new TemplateSyntaxError(`bad number syntax: ${t.v}`, line)
        return { kind: 'number', value: n }
      }
      case 'bool':
        return { kind: 'bool', value: t.v === 'true' }
      case 'nil':
        return { kind: 'nil' }
      case 'ident':
        return { kind: 'func', name: t.v }
      case '(': {
        let depth = 1
        const inner: Token[] = []
        while (stack.length) {
          const u = stack.shift()!
          if (u.t === '(') depth++
          if (u.t === ')' && --depth === 0) break
          inner.push(u)
        }
        if (depth !== 0) throw new TemplateSyntaxError('unclosed left paren', line)
        const names = stack[0]?.t === 'field' && !stack[0].spaced ? stack.shift()!.v.slice(1).split('.') : []
        return { kind: 'pipe', pipe: parsePipeline(inner, line, 'one'), names }
      }
      default:
        throw new TemplateSyntaxError(`unexpected "${t.v}" in operand`, line)
    }
  }
  while (stack.length) {
    if (stack[0]!.t === '|') {
      stack.shift()
      if (!args.length) throw new TemplateSyntaxError('missing command before "|"', line)
      cmds.push({ args })
      args = []
      continue
    }
    args.push(next())
  }
  if (args.length) cmds.push({ args })
  else if (cmds.length) throw new TemplateSyntaxError('missing command after "|"', line)
  if (!cmds.length) throw new TemplateSyntaxError('missing value for command', line)
  return { decl, assign, cmds, line }
}

/** Parses a template into a tree; errors carry the template line. */
export function parseTemplate(src: string): Node[] {
  const pieces = lex(src)
  let pos = 0
  type Stop = 'end' | 'else' | 'eof'
  const parseList = (inside: string | null): { nodes: Node[]; stop: Stop; elseBody?: string; line: number } => {
    const nodes: Node[] = []
    while (pos < pieces.length) {
      const p = pieces[pos++]!
      if ('text' in p) {
        nodes.push({ kind: 'text', text: p.text, line: p.line })
        continue
      }
      const body = p.body
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new TemplateSyntaxError('comment ends before closing delimiter', p.line)
        continue
      }
      const word = /^[a-z]+/.exec(body)?.[0] ?? ''
      const rest = body.slice(word.length).trim()
      const boundary = word && (body.length === word.length || /\s|\(/.test(body[word.length]!))
      if (boundary && word === 'end') {
        if (!inside) throw new TemplateSyntaxError('unexpected {{end}}', p.line)
        return { nodes, stop: 'end', line: p.line }
      }
      if (boundary && word === 'else') {
        if (!inside) throw new TemplateSyntaxError('unexpected {{else}}', p.line)
        return { nodes, stop: 'else', elseBody: rest, line: p.line }
      }
      if (boundary && (word === 'if' || word === 'with' || word === 'range')) {
        nodes.push(parseControl(word, rest, p.line))
        continue
      }
      if (boundary && (word === 'break' || word === 'continue')) {
        nodes.push({ kind: word, line: p.line })
        continue
      }
      if (boundary && (word === 'define' || word === 'template' || word === 'block')) {
        throw new TemplateSyntaxError(`{{${word}}} is not supported in gossfiles by tsimg`, p.line)
      }
      nodes.push({ kind: 'action', pipe: parsePipeline(tokenize(body, p.line), p.line, 'one'), line: p.line })
    }
    if (inside)
      throw new TemplateSyntaxError(`unexpected EOF: {{${inside}}} has no {{end}}`, pieces.at(-1) && 'line' in pieces.at(-1)! ? pieces.at(-1)!.line : 1)
    return { nodes, stop: 'eof', line: 0 }
  }
  const parseControl = (word: 'if' | 'with' | 'range', rest: string, line: number): Node => {
    if (!rest) throw new TemplateSyntaxError(`missing value for ${word}`, line)
    const pipe = parsePipeline(tokenize(rest, line), line, word === 'range' ? 'two' : 'one')
    const body = parseList(word)
    let elseNodes: Node[] = []
    if (body.stop === 'else') {
      const chain = body.elseBody ?? ''
      const m = /^(if|with)\s+(.*)$/s.exec(chain)
      if (m && word !== 'range') {
        // `else if` / `else with` nest a control node that consumes the shared {{end}}
        elseNodes = [parseControl(m[1] as 'if' | 'with', m[2]!, body.line)]
      } else {
        if (chain) throw new TemplateSyntaxError(`unexpected "${chain}" after else`, body.line)
        const e = parseList(word)
        if (e.stop !== 'end') throw new TemplateSyntaxError(`expected {{end}} after {{else}} of ${word}`, e.line)
        elseNodes = e.nodes
      }
    }
    if (word === 'range') return { kind: 'range', pipe, body: body.nodes, else: elseNodes, line }
    return { kind: word, pipe, then: body.nodes, else: elseNodes, line }
  }
  return parseList(null).nodes
}
