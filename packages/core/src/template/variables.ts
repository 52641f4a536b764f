/**
 * Typed template variables. `variable.string({ default: 'x' })` declares a string variable;
 * no default makes it required. The declared kind decides how `-var name=value` and
 * `TSIMG_VAR_name` strings are parsed.
 */
export type VariableKind = 'string' | 'number' | 'boolean' | 'list' | 'map'

export interface VariableOptions<T> {
  /** Used when no var-file, `-var` or `TSIMG_VAR_<name>` sets it. Without one the variable is required. */
  default?: T
  /** Shown by `tsimg inspect`. */
  description?: string
  /** Never printed: redacted from output, errors and logs; `inspect` shows `<sensitive>`. */
  sensitive?: boolean
  /** Extra check: return an error message (or false) to reject the value. */
  validate?: (value: T) => string | boolean | void
}

/** A declared variable; `T` is the type the build function receives. */
export interface VariableDef<T = unknown> extends VariableOptions<T> {
  readonly kind: 'variable'
  readonly type: VariableKind
  /**
   * For variables declared in another language's type system (Packer's HCL types): the type as
   * that language writes it (`list(number)`), shown by inspect and in errors instead of the kind.
   */
  readonly typeName?: string
  /** Reads a `-var` or environment string in place of the kind's parsing (may return a Promise); throws an Error saying why the text does not fit. */
  readonly parse?: (text: string) => unknown
  /** Checks and converts a typed value (default, var-file entry, parsed text) in place of the kind's check; throws an Error saying why it does not fit. */
  readonly convert?: (value: unknown) => unknown
  /** Phantom member carrying the value type for inference; never set. */
  readonly __value?: T
}

export type VariableDefs = Record<string, VariableDef<any>>

/** The resolved values a build function receives: `{ imageName: string; count: number; ... }`. */
export type VariableValues<V extends VariableDefs> = { -readonly [K in keyof V]: V[K] extends VariableDef<infer T> ? T : never }

function def<T>(type: VariableKind, options: VariableOptions<T> = {}): VariableDef<T> {
  return { kind: 'variable', type, ...options }
}

export const variable = {
  string: (options?: VariableOptions<string>): VariableDef<string> => def('string', options),
  number: (options?: VariableOptions<number>): VariableDef<number> => def('number', options),
  boolean: (options?: VariableOptions<boolean>): VariableDef<boolean> => def('boolean', options),
  /** A list of strings; on the command line a JSON array (`'["a","b"]'`) or `a,b`. */
  list: (options?: VariableOptions<string[]>): VariableDef<string[]> => def('list', options),
  /** An object of named values (Packer's map and object types); on the command line a JSON object (`'{"a":"b"}'`). */
  map: <T extends Record<string, unknown> = Record<string, string>>(options?: VariableOptions<T>): VariableDef<T> => def('map', options),
}

export function isVariableDef(value: unknown): value is VariableDef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'variable'
}

const TYPE_NAMES: Record<VariableKind, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  list: 'a list of strings (JSON array or comma-separated)',
  map: 'an object (JSON, e.g. {"a":"b"})',
}

export function describeKind(kind: VariableKind): string {
  return TYPE_NAMES[kind]
}

/** Parses a command-line or environment string by the declared kind; undefined when it does not fit. */
export function parseVariableString(kind: VariableKind, text: string): { ok: true; value: unknown } | { ok: false } {
  switch (kind) {
    case 'string':
      return { ok: true, value: text }
    case 'number': {
      const n = Number(text.trim())
      return text.trim() !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false }
    }
    case 'boolean': {
      const t = text.trim().toLowerCase()
      if (t === 'true') return { ok: true, value: true }
      if (t === 'false') return { ok: true, value: false }
      return { ok: false }
    }
    case 'list': {
      const t = text.trim()
      if (t.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(t)
          return isStringList(parsed) ? { ok: true, value: parsed } : { ok: false }
        } catch {
          return { ok: false }
        }
      }
      return { ok: true, value: t === '' ? [] : t.split(',').map((s) => s.trim()) }
    }
    case 'map':
      try {
        const parsed: unknown = JSON.parse(text.trim())
        return isObject(parsed) ? { ok: true, value: parsed } : { ok: false }
      } catch {
        return { ok: false }
      }
  }
}

/** Whether an already-typed value (a default or a var-file entry) fits the kind. */
export function fitsKind(kind: VariableKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'list':
      return isStringList(value)
    case 'map':
      return isObject(value)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}
