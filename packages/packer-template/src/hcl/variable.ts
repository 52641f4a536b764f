import type { VariableDef, VariableKind, VariableOptions } from '@tsimg/core'
import { TemplateError } from '@tsimg/core/plugin'
import { EvalError } from '../errors.js'
import { evaluate, type HclScope } from './eval.js'
import { firstSyntaxError, named, parseHcl } from './parse.js'
import { convertValue, parseType, typeName, type HclType } from './types.js'

/**
 * A variable with an HCL type, for image.ts files (`tsimg convert` writes these) and for Packer
 * templates run as they are: `hclVariable<number[]>('list(number)', { default: [22] })`.
 * Values are converted as Packer converts them, and `-var` / environment text of a structured
 * type is read as an HCL expression (`-var 'tags={app="web"}'`; JSON is HCL too). The core only
 * sees the parse and convert hooks, so it never learns HCL.
 */
export function hclVariable<T = unknown>(type: string | HclType, options: VariableOptions<T> = {}): VariableDef<T> {
  let t: HclType
  try {
    t = typeof type === 'string' ? parseType(type) : type
  } catch (err) {
    throw new TemplateError(`variable type: ${(err as Error).message}`)
  }
  const hide = Boolean(options.sensitive)
  return {
    ...options,
    kind: 'variable',
    type: coreKind(t),
    typeName: typeName(t),
    // Packer takes a string, number or any variable's text as it is, and reads any other type's text as HCL.
    parse: (text: string) => {
      if (t.kind === 'string' || t.kind === 'number' || t.kind === 'any') return text
      // A sensitive value's syntax error would quote it: say only that it is not HCL.
      return hide ? readHclValue(text).catch(() => Promise.reject(new Error(NOT_HCL))) : readHclValue(text)
    },
    convert: (value: unknown) => convertValue(value, t, hide),
  }
}

/** The core kind nearest an HCL type: what the core falls back on where it has no hook (inspect's empty value). */
export function coreKind(t: HclType): VariableKind {
  switch (t.kind) {
    case 'bool':
      return 'boolean'
    case 'number':
      return 'number'
    case 'list':
    case 'set':
    case 'tuple':
      return 'list'
    case 'map':
    case 'object':
      return 'map'
    default:
      return 'string'
  }
}

/** Names on the command line are constants: any reference (var., local., ...) is an error saying so. */
const noNames = new Proxy({} as Record<string, unknown>, {
  has: () => true,
  get: (_t, p) => {
    throw new EvalError(`"${String(p)}": a value given on the command line or in the environment is a constant; it cannot refer to var., local. or other names`)
  },
})
const constantScope: HclScope = {
  names: noNames,
  functions: {},
  buildValue: (name) => {
    throw new EvalError(`"build.${name}": a value given on the command line or in the environment is a constant`)
  },
}

const NOT_HCL = 'not an HCL value (write it as HCL or JSON: ["a", "b"], {a = "b"}, {"a": 1})'

/** One HCL expression (`[22, 80]`, `{app="web"}`), constants only, as Packer reads `-var` text. */
async function readHclValue(text: string): Promise<unknown> {
  const root = await parseHcl(`tsimg_value = ${text}\n`)
  const body = named(root).find((n) => n.type === 'body')
  const attrs = body ? named(body).filter((n) => n.type !== 'comment') : []
  const bad = firstSyntaxError(root)
  const expr = !bad && attrs.length === 1 && attrs[0]!.type === 'attribute' ? named(attrs[0]!)[1] : undefined
  if (!expr) throw new Error(NOT_HCL)
  return evaluate(expr, constantScope)
}
