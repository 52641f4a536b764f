import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { TemplateError, errorMessage } from '../errors.js'
import { displayPath, importDefault } from './load.js'
import { describeKind, fitsKind, isVariableDef, parseVariableString, type VariableDef, type VariableKind } from './variables.js'

const ENV_PREFIX = 'TSIMG_VAR_'
const PACKER_ENV_PREFIX = 'PKR_VAR_'
/** A var-file reader may record the line of each name under this key of the object it returns (`{ name: line }`). */
export const VAR_FILE_LINES = Symbol.for('tsimg.var-file-lines')

export interface VariableInputs {
  /** `-var name=value`, already split. */
  readonly vars?: Readonly<Record<string, string>>
  /** `-var-file` paths, applied in order. */
  readonly varFiles?: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
}

interface ResolvedVariable {
  readonly name: string
  readonly type: VariableKind
  /** The declared type as its language writes it (`list(number)`), when the variable has one. */
  readonly typeName?: string
  readonly required: boolean
  readonly sensitive: boolean
  readonly description?: string
  readonly value: unknown
  /** Where the value came from: `default`, `env TSIMG_VAR_x`, `var-file vars.json`, `-var`, or `unset`. */
  readonly source: string
}

export interface ResolvedVariables {
  readonly values: Record<string, unknown>
  readonly variables: readonly ResolvedVariable[]
  /** Every sensitive value as text, for the Redactor. */
  readonly sensitiveValues: readonly string[]
  readonly warnings: readonly string[]
}

/**
 * Resolves declared variables with Packer's precedence:
 * default < environment (TSIMG_VAR_name) < the template's auto var-files < var-files (in order) < -var.
 * `lenient` (inspect) leaves missing required variables unset instead of failing.
 */
export async function resolveVariables(
  declared: Readonly<Record<string, unknown>> | undefined,
  inputs: VariableInputs,
  templateFile: string,
  options: { lenient?: boolean; keepUndeclared?: boolean; envPrefix?: string } = {},
): Promise<ResolvedVariables> {
  const defs = checkDeclarations(declared ?? {}, templateFile)
  const env = inputs.env ?? process.env
  const cwd = inputs.cwd ?? process.cwd()
  const found = new Map<string, { value: unknown; source: string }>()
  const warnings: string[] = []
  /** Var-file names the template does not declare, kept when `keepUndeclared` (Packer JSON's {{user}} reads them). */
  const undeclared = new Map<string, { value: unknown; source: string }>()

  for (const [name, d] of defs) {
    if (d.default !== undefined) found.set(name, { value: d.convert ? hooked(name, d, d.default, 'default', templateFile) : d.default, source: 'default' })
    // PKR_VAR_ too, so a Packer user's environment keeps working; TSIMG_VAR_ wins over it.
    for (const prefix of [PACKER_ENV_PREFIX, ENV_PREFIX]) {
      const fromEnv = env[`${prefix}${name}`]
      const from = d.parse ? `${prefix}${name}` : `environment ${prefix}${name}`
      if (fromEnv !== undefined) found.set(name, { value: await parse(name, d, fromEnv, from, templateFile), source: `env ${prefix}${name}` })
    }
  }

  for (const file of inputs.varFiles ?? []) {
    const path = displayPath(resolve(cwd, file), cwd)
    const content = await importDefault(resolve(cwd, file), path)
    if (typeof content !== 'object' || content === null || Array.isArray(content)) {
      throw new TemplateError('a var-file must hold (or default-export) an object of variable values', { file: path })
    }
    for (const [name, value] of Object.entries(content)) {
      const d = defs.get(name)
      if (!d) {
        if (options.keepUndeclared && (typeof value === 'string' || value === null)) undeclared.set(name, { value: value ?? '', source: `var-file ${path}` })
        else warnings.push(`${path}: variable "${name}" is not declared in the template; ignored`)
        continue
      }
      const from = `var-file ${path}`
      if (d.convert) {
        found.set(name, { value: hooked(name, d, value, varFileLine(content, name, path, resolve(cwd, file)), templateFile), source: from })
        continue
      }
      const parsed = typeof value === 'string' && d.type !== 'string' ? await parse(name, d, value, from, templateFile) : value
      if (!fitsKind(d.type, parsed)) throw wrongType(name, d, value, from, templateFile)
      found.set(name, { value: parsed, source: from })
    }
  }

  for (const [name, text] of Object.entries(inputs.vars ?? {})) {
    const d = defs.get(name)
    // Packer JSON (1.6.6) takes -var of a name the template does not declare, as it takes a var-file's: {{user}} reads it.
    if (!d && options.keepUndeclared) {
      undeclared.set(name, { value: text, source: '-var' })
      continue
    }
    if (!d) {
      const known = [...defs.keys()]
      throw new TemplateError(`-var ${name}: the template declares no variable "${name}"`, {
        file: templateFile,
        hint: known.length ? `Declared variables: ${known.join(', ')}` : 'The template declares no variables.',
      })
    }
    found.set(name, { value: await parse(name, d, text, d.parse ? `-var ${name}` : `-var ${name}=...`, templateFile), source: '-var' })
  }

  const values: Record<string, unknown> = {}
  const variables: ResolvedVariable[] = []
  const sensitiveValues: string[] = []
  for (const [name, d] of defs) {
    const f = found.get(name)
    if (!f && !options.lenient) {
      throw new TemplateError('required variable has no value', {
        file: templateFile,
        field: `variables.${name}`,
        hint: `Set it with -var ${name}=<value>, in a -var-file, or with the environment variable ${options.envPrefix ?? ENV_PREFIX}${name}.`,
      })
    }
    if (f && d.validate) checkCustom(name, d, f, templateFile)
    // inspect: a missing required variable gets an empty value of its type so build() can still run.
    values[name] = f ? f.value : d.type === 'list' ? [] : d.type === 'map' ? {} : PLACEHOLDER[d.type]
    if (f && d.sensitive) sensitiveValues.push(...sensitiveTexts(f.value))
    variables.push({
      name,
      type: d.type,
      ...(d.typeName === undefined ? {} : { typeName: d.typeName }),
      required: d.default === undefined,
      sensitive: Boolean(d.sensitive),
      ...(d.description === undefined ? {} : { description: d.description }),
      value: f?.value,
      source: f?.source ?? 'unset',
    })
  }
  for (const [name, f] of undeclared) {
    values[name] = f.value
    variables.push({ name, type: 'string', required: false, sensitive: false, value: f.value, source: f.source })
  }
  return { values, variables, sensitiveValues, warnings }
}

const PLACEHOLDER: Record<VariableKind, unknown> = { string: '', number: 0, boolean: false, list: [], map: {} }

function checkDeclarations(declared: Readonly<Record<string, unknown>>, file: string): Map<string, VariableDef> {
  const defs = new Map<string, VariableDef>()
  for (const [name, d] of Object.entries(declared)) {
    if (!isVariableDef(d)) {
      throw new TemplateError('not a variable declaration', {
        file,
        field: `variables.${name}`,
        hint: 'Declare it with variable.string(), variable.number(), variable.boolean() or variable.list().',
      })
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TemplateError('variable names must be identifiers (letters, digits, _)', { file, field: `variables.${name}` })
    }
    if (d.default !== undefined && !d.convert && !fitsKind(d.type, d.default)) {
      throw new TemplateError(`default must be ${describeKind(d.type)}`, { file, field: `variables.${name}` })
    }
    defs.set(name, d)
  }
  return defs
}

async function parse(name: string, d: VariableDef, text: string, from: string, file: string): Promise<unknown> {
  if (d.parse) {
    let value: unknown
    try {
      value = await d.parse(text)
    } catch (err) {
      throw wrongType(name, d, text, from, file, errorMessage(err))
    }
    return hooked(name, d, value, from, file)
  }
  const r = parseVariableString(d.type, text)
  if (!r.ok) throw wrongType(name, d, text, from, file)
  return r.value
}

/** A variable with its own conversion (a Packer HCL type): the converted value, or an error naming the source and why. */
function hooked(name: string, d: VariableDef, value: unknown, from: string, file: string): unknown {
  try {
    return d.convert ? d.convert(value) : value
  } catch (err) {
    throw wrongType(name, d, value, from, file, errorMessage(err))
  }
}

/** Where a var-file sets a variable: `file:line` when the file's reader recorded lines (VAR_FILE_LINES) or it is JSON. */
function varFileLine(content: object, name: string, path: string, absolute: string): string {
  const lines = (content as { [VAR_FILE_LINES]?: Record<string, number> })[VAR_FILE_LINES]
  const line = lines?.[name] ?? jsonKeyLine(absolute, name)
  return line ? `${path}:${line}` : `var-file ${path}`
}

function jsonKeyLine(path: string, name: string): number | undefined {
  if (!path.endsWith('.json')) return undefined
  try {
    const text = readFileSync(path, 'utf8')
    const at = text.search(new RegExp(`"${name}"\\s*:`))
    return at < 0 ? undefined : text.slice(0, at).split('\n').length
  } catch {
    return undefined
  }
}

function wrongType(name: string, d: VariableDef, got: unknown, from: string, file: string, why?: string): TemplateError {
  const shown = d.sensitive ? '<sensitive>' : JSON.stringify(got)
  return new TemplateError(`expected ${d.typeName ?? describeKind(d.type)}, got ${shown} (from ${from})${why ? `: ${why}` : ''}`, {
    file,
    field: `variables.${name}`,
  })
}

function checkCustom(name: string, d: VariableDef, f: { value: unknown; source: string }, file: string): void {
  let verdict: string | boolean | void
  try {
    verdict = d.validate?.(f.value)
  } catch (err) {
    verdict = errorMessage(err)
  }
  if (verdict === undefined || verdict === true) return
  const why = typeof verdict === 'string' ? verdict : 'value rejected by its validate function'
  throw new TemplateError(`${why} (from ${f.source})`, { file, field: `variables.${name}` })
}

function sensitiveTexts(value: unknown): string[] {
  if (Array.isArray(value)) return [...value.map(String), value.join(','), JSON.stringify(value)]
  if (typeof value === 'object' && value !== null) return [...Object.values(value).flatMap(sensitiveTexts), JSON.stringify(value)]
  return [String(value)]
}
