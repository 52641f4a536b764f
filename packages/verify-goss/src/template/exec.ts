import { type Node, type Operand, type Pipeline, TemplateSyntaxError, parseTemplate } from './parse.js'
import { FUNCS, type TemplateFunc, goString, truthy } from './funcs.js'

/** A failure while running a template (Go's "error calling X" / "map has no entry"), with its line. */
export class TemplateExecError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
  }
}

export interface RenderResult {
  readonly text: string
  /** For each 0-based output line, the 1-based template line it came from. */
  readonly lineMap: readonly number[]
}

export interface RenderContext {
  readonly dot: unknown
  /** Functions beyond the built-in and Sprig-like ones (goss's readFile, getEnv). */
  readonly funcs?: Readonly<Record<string, TemplateFunc>>
}

class Break {}
class Continue {}

/**
 * Renders a Go text/template as goss does (`missingkey=error`), keeping which template line
 * each output line came from so that YAML errors after rendering name the gossfile's own line.
 */
export function renderTemplate(src: string, ctx: RenderContext): RenderResult {
  const nodes = parseTemplate(src)
  const renderer = new Renderer(ctx)
  renderer.walk(nodes, ctx.dot)
  return renderer.result()
}

/** The state of one rendering: the output so far, its line map and the variable scopes. */
class Renderer {
  private readonly parts: string[] = []
  private readonly lineMap: number[] = [1]
  private started = false
  private readonly funcs: Readonly<Record<string, TemplateFunc>>
  private readonly scopes: Map<string, unknown>[]

  constructor(private readonly ctx: RenderContext) {
    this.funcs = { ...FUNCS, ...ctx.funcs }
    this.scopes = [new Map([['$', ctx.dot]])]
  }

  result(): RenderResult {
    return { text: this.parts.join(''), lineMap: this.lineMap }
  }

  private emit(text: string, line: number, isText: boolean): void {
    if (!text) return
    if (!this.started) {
      this.lineMap[0] = line
      this.started = true
    }
    const segs = text.split('\n')
    for (let i = 1; i < segs.length; i++) this.lineMap.push(isText ? line + i : line)
    this.parts.push(text)
  }

  private lookupVar(name: string, line: number): unknown {
    const scopes = this.scopes
    for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.has(name)) return scopes[i]!.get(name)
    throw new TemplateExecError(`undefined variable: ${name}`, line)
  }

  private setVar(name: string, value: unknown, line: number): void {
    const scopes = this.scopes
    for (let i = scopes.length - 1; i >= 0; i--)
      if (scopes[i]!.has(name)) {
        scopes[i]!.set(name, value)
        return
      }
    throw new TemplateExecError(`undefined variable: ${name}`, line)
  }

  private evalOperand(op: Operand, dot: unknown, line: number, final: unknown, hasFinal: boolean, args: Operand[] = []): unknown {
    switch (op.kind) {
      case 'string':
      case 'number':
      case 'bool':
        return op.value
      case 'nil':
        return null
      case 'field': {
        const base = op.base === 'dot' ? dot : this.lookupVar(op.base.variable, line)
        return field(base, op.names, line, op.base === 'dot' ? '' : op.base.variable)
      }
      case 'pipe':
        return field(this.evalPipe(op.pipe, dot, false), op.names, line, '(...)')
      case 'func':
        return this.callFunc(op.name, args, dot, line, final, hasFinal)
    }
  }

  private callFunc(name: string, args: Operand[], dot: unknown, line: number, final: unknown, hasFinal: boolean): unknown {
    const fn = this.funcs[name]
    if (!fn) throw new TemplateExecError(`function "${name}" not defined`, line)
    if ((name === 'and' || name === 'or') && !this.ctx.funcs?.[name]) return this.andOr(name, args, dot, line, final, hasFinal)
    const values = args.map((a) => this.evalOperand(a, dot, line, undefined, false))
    if (hasFinal) values.push(final)
    try {
      return fn(...values)
    } catch (err) {
      throw new TemplateExecError(`error calling ${name}: ${(err as Error).message}`, line)
    }
  }

  /** Go evaluates and/or lazily: an argument after the deciding one is never evaluated. */
  private andOr(name: 'and' | 'or', args: Operand[], dot: unknown, line: number, final: unknown, hasFinal: boolean): unknown {
    const thunks: (() => unknown)[] = [...args.map((a) => () => this.evalOperand(a, dot, line, undefined, false)), ...(hasFinal ? [() => final] : [])]
    if (!thunks.length) throw new TemplateExecError(`wrong number of args for ${name}: want at least 1 got 0`, line)
    let v: unknown
    for (const t of thunks) {
      v = t()
      if (name === 'and' ? !truthy(v) : truthy(v)) return v
    }
    return v
  }

  private evalPipe(pipe: Pipeline, dot: unknown, declare: boolean): unknown {
    let value: unknown
    let has = false
    for (const cmd of pipe.cmds) {
      const [first, ...rest] = cmd.args
      if (first!.kind === 'func') value = this.evalOperand(first!, dot, pipe.line, value, has, rest)
      else {
        if (rest.length || has) throw new TemplateExecError(`can't give argument to non-function ${describe(first!)}`, pipe.line)
        value = this.evalOperand(first!, dot, pipe.line, undefined, false)
      }
      has = true
    }
    if (declare && pipe.decl.length === 1) {
      if (pipe.assign) this.setVar(pipe.decl[0]!, value, pipe.line)
      else this.scopes.at(-1)!.set(pipe.decl[0]!, value)
    }
    return value
  }

  walk(list: Node[], dot: unknown): void {
    for (const n of list) {
      switch (n.kind) {
        case 'text':
          this.emit(n.text, n.line, true)
          break
        case 'action': {
          const v = this.evalPipe(n.pipe, dot, true)
          if (!n.pipe.decl.length) this.emit(goString(v), n.line, false)
          break
        }
        case 'if':
        case 'with':
          this.walkIfWith(n, dot)
          break
        case 'range':
          this.walkRange(n, dot)
          break
        case 'break':
          throw new Break()
        case 'continue':
          throw new Continue()
      }
    }
  }

  private walkIfWith(n: Extract<Node, { kind: 'if' | 'with' }>, dot: unknown): void {
    this.scopes.push(new Map())
    const v = this.evalPipe(n.pipe, dot, true)
    if (truthy(v)) this.walk(n.then, n.kind === 'with' ? v : dot)
    else this.walk(n.else, dot)
    this.scopes.pop()
  }

  private walkRange(n: Extract<Node, { kind: 'range' }>, dot: unknown): void {
    const scopes = this.scopes
    scopes.push(new Map())
    const v = this.evalPipe({ ...n.pipe, decl: [] }, dot, false)
    const items = iterate(v, n.line)
    if (!items.length) this.walk(n.else, dot)
    for (const [k, item] of items) {
      const scope = new Map<string, unknown>()
      if (n.pipe.decl.length === 1) scope.set(n.pipe.decl[0]!, item)
      if (n.pipe.decl.length === 2) {
        scope.set(n.pipe.decl[0]!, k)
        scope.set(n.pipe.decl[1]!, item)
      }
      scopes.push(scope)
      try {
        this.walk(n.body, item)
      } catch (e) {
        if (e instanceof Break) {
          scopes.pop()
          break
        }
        if (!(e instanceof Continue)) throw e
      }
      scopes.pop()
    }
    scopes.pop()
  }
}

function field(value: unknown, names: string[], line: number, what: string): unknown {
  let v = value
  let path = what
  for (const n of names) {
    path += `.${n}`
    if (v instanceof Map) v = Object.fromEntries(v)
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (!Object.prototype.hasOwnProperty.call(v, n)) throw new TemplateExecError(`map has no entry for key "${n}" (at <${path}>)`, line)
      v = (v as Record<string, unknown>)[n]
    } else if (v === undefined || v === null) {
      throw new TemplateExecError(`nil pointer evaluating ${path}`, line)
    } else {
      throw new TemplateExecError(`can't evaluate field ${n} in type ${goTypeName(v)} (at <${path}>)`, line)
    }
  }
  return v
}

function iterate(v: unknown, line: number): [unknown, unknown][] {
  if (v === null || v === undefined) return []
  if (Array.isArray(v)) return v.map((x, i) => [i, x])
  if (typeof v === 'number' && Number.isInteger(v)) return Array.from({ length: Math.max(0, v) }, (_, i) => [i, i])
  if (typeof v === 'object') {
    // Go ranges over a map in sorted key order
    return Object.keys(v as object)
      .sort()
      .map((k) => [k, (v as Record<string, unknown>)[k]])
  }
  throw new TemplateExecError(`range can't iterate over ${goString(v)}`, line)
}

function describe(op: Operand): string {
  if (op.kind === 'field') return (op.base === 'dot' ? '' : op.base.variable) + op.names.map((n) => `.${n}`).join('') || '.'
  if (op.kind === 'string') return JSON.stringify(op.value)
  if (op.kind === 'number' || op.kind === 'bool') return String(op.value)
  return op.kind
}

function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return '[]interface {}'
  return 'interface {}'
}

export { TemplateSyntaxError }
