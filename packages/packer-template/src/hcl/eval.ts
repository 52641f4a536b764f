import type { Node } from 'web-tree-sitter'
import { EvalError } from '../errors.js'
import { code, holdsCode, valueCode, wholeCode } from '../convert-code.js'
import { hasCode } from '../functions.js'
import { kids, lineOf, named } from './parse.js'
// The evaluator is one recursion over two files: a template holds expressions, an expression
// holds templates (`"${var.x}"`).
// eslint-disable-next-line import-x/no-cycle
import { template } from './template.js'

export type Fn = (...args: unknown[]) => unknown

/** What names an HCL expression can read. */
export interface HclScope {
  /** Top-level names: var, local, source, build, path, data, and for-expression variables. */
  readonly names: Record<string, unknown>
  readonly functions: Record<string, Fn>
  /** `build.X` and friends: values known only while the build runs (Go-template placeholders). */
  readonly buildValue: (name: string) => unknown
}

/** No names and no functions: for what Packer reads before any variable is known (build names, override keys). */
export const CONSTANTS: HclScope = { names: {}, functions: {}, buildValue: () => undefined }

/**
 * Evaluates an HCL expression node: literals, templates (with %{if}/%{for} and ~ strip
 * markers), tuples, objects, attribute and index access, function calls (with ... expansion),
 * operators, conditionals and for expressions. Values are plain JSON-like JavaScript values.
 */
export function evaluate(node: Node, scope: HclScope): unknown {
  switch (node.type) {
    case 'expression':
      return sequence(kids(node), scope)
    case 'literal_value':
      return evaluate(named(node)[0]!, scope)
    case 'numeric_lit':
      return Number(node.text)
    case 'bool_lit':
      return node.text === 'true'
    case 'null_lit':
      return null
    case 'string_lit':
    case 'template_expr':
    case 'quoted_template':
    case 'heredoc_template':
      return template(node.type === 'template_expr' ? named(node)[0]! : node, scope)
    case 'collection_value':
      return evaluate(named(node)[0]!, scope)
    case 'tuple': {
      return named(node)
        .filter((c) => c.type === 'expression')
        .map((c) => evaluate(c, scope))
    }
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const elem of named(node).filter((c) => c.type === 'object_elem')) {
        const [k, v] = named(elem)
        out[objectKey(k!, scope)] = evaluate(v!, scope)
      }
      return out
    }
    case 'variable_expr':
      return variable(node.text, node, scope)
    case 'function_call':
      return call(node, scope)
    case 'operation':
      return evaluate(named(node)[0]!, scope)
    case 'unary_operation': {
      const [op, ...operand] = kids(node)
      const v = sequence(operand, scope)
      return op!.type === '!' ? !truthy(v, node) : -num(v, node)
    }
    case 'binary_operation':
      return binary(node, scope)
    case 'conditional': {
      const [c, a, b] = named(node)
      return truthy(evaluate(c!, scope), node) ? evaluate(a!, scope) : evaluate(b!, scope)
    }
    case 'for_expr':
      return forExpr(named(node)[0]!, scope)
    default:
      throw new EvalError(`HCL expression "${node.text.slice(0, 40)}" (${node.type}) is not supported by tsimg`, undefined, lineOf(node))
  }
}

/** A term and what follows it: `var.x[0].y`, `(a + b).c`; operands of operators come this way too. */
function sequence(parts: Node[], scope: HclScope): unknown {
  let i: number
  let value: unknown
  if (parts[0]?.type === '(') {
    value = evaluate(parts[1]!, scope)
    i = 3
  } else {
    value = evaluate(parts[0]!, scope)
    i = 1
  }
  for (; i < parts.length; i++) {
    if (i === 1) undeclared(parts[0]!, parts[1]!, value)
    value = postfix(value, parts[i]!, scope)
  }
  return value
}

/** `var.x` / `local.x` of a name the template does not declare, in Packer's words (its "Reference to undeclared ..."). */
function undeclared(head: Node, op: Node, value: unknown): void {
  if (head.type !== 'variable_expr' || (head.text !== 'var' && head.text !== 'local') || op.type !== 'get_attr') return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return
  const name = named(op)[0]!.text
  if (name in value) return
  const declared = Object.keys(value)
  const close = declared.filter((d) => d.includes(name) || name.includes(d) || d.split('_')[0] === name.split('_')[0]).slice(0, 5)
  const known = close.length
    ? ` Did you mean: ${close.map((d) => `${head.text}.${d}`).join(', ')}?`
    : declared.length
      ? ` Declared: ${declared.join(', ')}.`
      : ''
  if (head.text === 'var') {
    throw new EvalError(
      `reference to undeclared input variable "${name}": an input variable with the name "${name}" has not been declared`,
      `Declare it in a .pkr.hcl file of the template: variable "${name}" { type = string }; a -var or var-file value alone does not declare it, as in Packer.${known}`,
      lineOf(head),
    )
  }
  throw new EvalError(
    `reference to undeclared local value "${name}": a local value with the name "${name}" has not been declared`,
    `Declare it: locals { ${name} = ... }.${known}`,
    lineOf(head),
  )
}

const BINARY = new Set(['==', '!=', '+', '-', '*', '/', '%', '<', '>', '<=', '>=', '&&', '||'])

function variable(name: string, node: Node, scope: HclScope): unknown {
  if (name === 'build') return new Proxy({}, { get: (_t, p) => scope.buildValue(String(p)) })
  if (!(name in scope.names))
    throw new EvalError(
      `unknown name "${name}"`,
      'Names are var.<name>, local.<name>, source.name, source.type, build.<name>, path.root, path.cwd, packer.version, data.<type>.<name>.',
      lineOf(node),
    )
  return scope.names[name]
}

export function objectKey(k: Node, scope: HclScope): string {
  // A bare identifier as a key is the name itself, not a variable (`{ name = 1 }`).
  const inner = named(k)
  if (inner.length === 1 && inner[0]!.type === 'variable_expr') return inner[0]!.text
  return String(evaluate(k, scope))
}

function postfix(value: unknown, op: Node, scope: HclScope): unknown {
  if (op.type === 'get_attr') return attr(value, named(op)[0]!.text, op)
  if (op.type === 'index') {
    const inner = named(op)[0]!
    const key = inner.type === 'legacy_index' ? Number(inner.text.slice(1)) : evaluate(named(inner)[0]!, scope)
    return index(value, key, op)
  }
  if (op.type === 'splat') {
    const s = named(op)[0]!
    const list = Array.isArray(value) ? value : value === null ? [] : [value]
    return list.map((item) => named(s).reduce((acc, o) => postfix(acc, o, scope), item))
  }
  throw new EvalError(`"${op.text}" is not supported here`, undefined, lineOf(op))
}

function attr(value: unknown, name: string, at: Node): unknown {
  // convert: `var.tags.app` of a placeholder is the TypeScript `vars.tags["app"]`.
  const c = wholeCode(value)
  if (c !== undefined) return code(`${c}[${JSON.stringify(name)}]`)
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = (value as Record<string, unknown>)[name]
    if (v !== undefined) return v
  }
  throw new EvalError(`"${at.text}": no attribute "${name}" on ${describe(value)}`, undefined, lineOf(at))
}

function index(value: unknown, key: unknown, at: Node): unknown {
  const c = wholeCode(value)
  if (c !== undefined) return code(`${c}[${valueCode(key)}]`)
  if (Array.isArray(value) && typeof key === 'number') {
    if (key >= 0 && key < value.length) return value[key]
    throw new EvalError(`index ${key} is out of range (the list has ${value.length} elements)`, undefined, lineOf(at))
  }
  return attr(value, String(key), at)
}

function call(node: Node, scope: HclScope): unknown {
  const [nameNode, ...rest] = named(node)
  const name = nameNode!.text
  const fn = scope.functions[name]
  if (!fn) {
    throw new EvalError(`function ${name}() is not supported by tsimg`, `Supported functions: ${Object.keys(scope.functions).sort().join(', ')}`, lineOf(node))
  }
  const argsNode = rest.find((c) => c.type === 'function_arguments')
  // try() and can() evaluate their arguments themselves: an argument that fails is the fallback's cue, not an error.
  if ((name === 'try' || name === 'can') && argsNode)
    return tryOrCan(
      name,
      named(argsNode).filter((p) => p.type === 'expression'),
      scope,
      node,
    )
  const args: unknown[] = []
  if (argsNode) {
    const parts = named(argsNode)
    for (const p of parts) {
      if (p.type === 'expression') args.push(evaluate(p, scope))
    }
    if (parts.some((p) => p.type === 'ellipsis' || p.type === 'expanded_args')) {
      const last = args.pop()
      if (!Array.isArray(last)) throw new EvalError(`${name}(...): the last argument must be a list to expand`, undefined, lineOf(node))
      args.push(...last)
    }
  }
  try {
    return fn(...args)
  } catch (err) {
    if (err instanceof EvalError) throw new EvalError(err.message, err.hint, err.line ?? lineOf(node))
    throw new EvalError(`${name}(): ${(err as Error).message}`, undefined, lineOf(node))
  }
}

/**
 * HCL's try(a, b, ...): the first argument that evaluates without an error; can(a): whether it
 * does. Only evaluation errors are caught (a missing key, attribute or index, a failed
 * conversion), as in HCL; an unsupported function or a syntax problem is still reported.
 */
class ConvertStop extends EvalError {}

function tryOrCan(name: 'try' | 'can', args: readonly Node[], scope: HclScope, node: Node): unknown {
  const errors: string[] = []
  for (const a of args) {
    try {
      const v = evaluate(a, scope)
      // convert: a variable's placeholder never fails here, though its value might at build time.
      if (holdsCode(v))
        throw new ConvertStop(
          `${name}() of a variable cannot be converted to TypeScript yet`,
          'Write this value by hand in the converted image.ts (the template itself runs with tsimg build).',
          lineOf(node),
        )
      if (name === 'can') return true
      return v
    } catch (err) {
      if (!(err instanceof EvalError) || err instanceof ConvertStop || /is not supported by tsimg/.test(err.message)) throw err
      errors.push(err.message)
      if (name === 'can') return false
    }
  }
  throw new EvalError(`try(): no argument could be evaluated: ${errors.join('; ')}`, undefined, lineOf(node))
}

function binary(node: Node, scope: HclScope): unknown {
  const parts = kids(node)
  const at = parts.findIndex((c, i) => i > 0 && !c.isNamed && BINARY.has(c.type))
  const a = sequence(parts.slice(0, at), scope)
  const o = parts[at]!.type
  const right = () => sequence(parts.slice(at + 1), scope)
  if (o === '&&') return truthy(a, node) && truthy(right(), node)
  if (o === '||') return truthy(a, node) || truthy(right(), node)
  const b = right()
  if ((o === '==' || o === '!=') && (holdsCode(a) || holdsCode(b))) {
    throw new EvalError(
      `"${node.text.slice(0, 40)}": a comparison of a variable cannot be converted to TypeScript yet`,
      'Write this value by hand in the converted image.ts (the template itself runs with tsimg build).',
      lineOf(node),
    )
  }
  switch (o) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b)
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b)
    case '+':
      return num(a, node) + num(b, node)
    case '-':
      return num(a, node) - num(b, node)
    case '*':
      return num(a, node) * num(b, node)
    case '/':
      return num(a, node) / num(b, node)
    case '%':
      return num(a, node) % num(b, node)
    case '<':
      return num(a, node) < num(b, node)
    case '>':
      return num(a, node) > num(b, node)
    case '<=':
      return num(a, node) <= num(b, node)
    case '>=':
      return num(a, node) >= num(b, node)
  }
  throw new EvalError(`operator ${o} is not supported`, undefined, lineOf(node))
}

function forExpr(node: Node, scope: HclScope): unknown {
  const parts = named(node)
  const intro = parts.find((p) => p.type === 'for_intro')!
  const idents = named(intro)
    .filter((c) => c.type === 'identifier')
    .map((c) => c.text)
  const coll = evaluate(
    named(intro).find((c) => c.type === 'expression')!,
    scope,
  )
  // A `vars.x` placeholder (convert) is a string: iterating its characters would write nonsense.
  if (typeof coll === 'string' && hasCode(coll))
    throw new EvalError(`"${node.text.slice(0, 40)}": a for expression over a variable cannot be converted to TypeScript yet`, undefined, lineOf(node))
  if (typeof coll !== 'object')
    throw new EvalError(`"${node.text.slice(0, 40)}": a for expression needs a list, set, map or object, got ${describe(coll)}`, undefined, lineOf(node))
  const exprs = parts.filter((p) => p.type === 'expression')
  const cond = parts.find((p) => p.type === 'for_cond')
  const grouping = parts.some((p) => p.type === 'ellipsis')
  const entries: [unknown, unknown][] = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries((coll ?? {}) as Record<string, unknown>)
  const isObject = node.type === 'for_object_expr'
  const list: unknown[] = []
  const obj: Record<string, unknown> = {}
  for (const [k, v] of entries) {
    const names = { ...scope.names, ...(idents.length === 2 ? { [idents[0]!]: k, [idents[1]!]: v } : { [idents[0]!]: v }) }
    const inner: HclScope = { ...scope, names }
    if (cond && !truthy(evaluate(named(cond)[0]!, inner), cond)) continue
    if (!isObject) {
      list.push(evaluate(exprs[0]!, inner))
      continue
    }
    const key = String(evaluate(exprs[0]!, inner))
    const val = evaluate(exprs[1]!, inner)
    if (grouping) ((obj[key] ??= []) as unknown[]).push(val)
    else obj[key] = val
  }
  return isObject ? obj : list
}

export function truthy(v: unknown, at: Node): boolean {
  if (typeof v === 'boolean') return v
  if (v === 'true') return true
  if (v === 'false') return false
  if (typeof v === 'string' && hasCode(v))
    throw new EvalError(`"${at.text.slice(0, 40)}": a condition on a variable cannot be converted to TypeScript yet`, undefined, lineOf(at))
  throw new EvalError(`"${at.text.slice(0, 40)}": expected a bool, got ${describe(v)}`, undefined, lineOf(at))
}

function num(v: unknown, at: Node): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  throw new EvalError(`"${at.text.slice(0, 40)}": expected a number, got ${describe(v)}`, undefined, lineOf(at))
}

export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${JSON.stringify(v)}`
}
