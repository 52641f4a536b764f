import { TemplateError } from '../errors.js'
import { variable, type VariableDef, type VariableOptions } from './variables.js'

/** Go's strconv.ParseBool, which Packer's decoding (mapstructure, weakly typed) uses for a string given for a bool. */
const GO_BOOLS: Readonly<Record<string, boolean>> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false }

function bad(v: string, what: string): TemplateError {
  return new TemplateError(`expected ${what}, got ${JSON.stringify(v)}`, { hint: 'A Packer JSON template\'s variables are strings; Packer reads this option from the text as shown.' })
}

/**
 * How Packer reads a JSON template's string variables for options of other types (its config
 * decoding is weakly typed): `tsimg convert` writes `amiUsers: packerJson.list(vars.ami_users)`
 * where the template had `"ami_users": "{{user `ami_users`}}"`, so the image.ts type-checks and
 * reads the text as Packer does. "" is Packer's unset: false, [], or undefined (left out).
 */
export const packerJson = {
  /**
   * The variables with `{{user \`x\`}}` and `{{env \`X\`}}` in their values rendered, as Packer
   * renders a JSON template's var-file and -var values (the EKS AMI template's var-file sets
   * `"working_dir": "{{user \`remote_folder\`}}/worker"`). Other `{{ ... }}` stay. A variable
   * that uses itself, through others or not, is an error, as in Packer.
   */
  vars<T extends Record<string, unknown>>(given: T, env: Readonly<Record<string, string | undefined>> = process.env): T {
    const out: Record<string, unknown> = { ...given }
    const rendering = new Set<string>()
    const render = (name: string): unknown => {
      const v = out[name]
      if (typeof v !== 'string' || !v.includes('{{')) return v
      if (rendering.has(name)) throw new TemplateError(`variable "${name}" uses itself (through ${[...rendering].join(' -> ')})`, { hint: 'Give one of them a plain value.' })
      rendering.add(name)
      const text = v.replace(/\{\{-?\s*(user|env)\s+(?:`([^`]*)`|"([^"]*)")\s*-?\}\}/g, (_m, fn: string, a?: string, b?: string) => {
        const arg = a ?? b ?? ''
        if (fn === 'env') return env[arg] ?? ''
        const u = arg in out ? render(arg) : ''
        return typeof u === 'string' ? u : JSON.stringify(u ?? '')
      })
      rendering.delete(name)
      out[name] = text
      return text
    }
    for (const name of Object.keys(out)) render(name)
    return out as T
  },
  /**
   * A JSON template's variable: a string, as Packer reads every JSON variable; `null` in a
   * var-file is "" (Go's JSON decoding into a string), and a number or bool there is an error,
   * as in Packer.
   */
  variable(options?: VariableOptions<string>): VariableDef<string> {
    return {
      ...variable.string(options),
      convert: (value: unknown) => {
        if (value === null) return ''
        if (typeof value === 'string') return value
        throw new Error(`Packer reads JSON variables as strings: write "${String(value)}" in quotes`)
      },
    }
  },
  /** "true"/"1"/"t"... or "false"/"0"/"f"..., as Go's ParseBool; "" is false. */
  bool(v: string): boolean {
    if (v === '') return false
    const b = GO_BOOLS[v]
    if (b === undefined) throw bad(v, 'a bool (true or false)')
    return b
  },
  /** A number written as text; "" is unset (undefined: the option is left out, as Packer leaves its zero value). */
  number(v: string): number {
    if (v === '') return undefined as unknown as number
    const n = Number(v)
    if (v.trim() === '' || Number.isNaN(n)) throw bad(v, 'a number')
    return n
  },
  /** "a,b" is ["a", "b"] (Packer's "," slice decoding), "" the empty list. */
  list(v: string): string[] {
    return v === '' ? [] : v.split(',')
  },
  /** "1,2" is [1, 2]; "" the empty list. */
  ints(v: string): number[] {
    return packerJson.list(v).map((x) => {
      const n = Number(x)
      if (x.trim() === '' || !Number.isInteger(n)) throw bad(x, 'a whole number')
      return n
    })
  },
  /**
   * A string option: the text as given, "" unset (undefined: left out, as Packer reads a string
   * option's zero value). `T` is the option's type (`'gp2' | 'gp3' | ...`), inferred from where
   * the value goes; the option's schema checks the text when the template runs.
   */
  string<T extends string = string>(v: string): T {
    return (v === '' ? undefined : v) as T
  },
}
