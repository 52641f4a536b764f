import { TemplateError } from '../errors.js'
import type { RenderVariablesContext } from './define.js'
import { variable, type VariableDef, type VariableOptions } from './variables.js'

/** Go's strconv.ParseBool, which Packer's decoding (mapstructure, weakly typed) uses for a string given for a bool. */
const GO_BOOLS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
}

/**
 * Go's strconv.ParseBool: the bool a string reads as where Packer's JSON decoding (mapstructure,
 * weakly typed) takes it for a bool option, or undefined where Go refuses it. One table for
 * `packerJson.bool` (an image.ts that `tsimg convert` wrote) and the Packer loader (a JSON
 * template run unchanged), so both read the text alike.
 */
export function goParseBool(v: string): boolean | undefined {
  return Object.hasOwn(GO_BOOLS, v) ? GO_BOOLS[v] : undefined
}

function bad(v: string, what: string): TemplateError {
  return new TemplateError(`expected ${what}, got ${JSON.stringify(v)}`, {
    hint: "A Packer JSON template's variables are strings; Packer reads this option from the text as shown.",
  })
}

/**
 * How Packer reads a JSON template's string variables for options of other types (its config
 * decoding is weakly typed): `tsimg convert` writes `amiUsers: packerJson.list(vars.ami_users)`
 * where the template had `"ami_users": "{{user `ami_users`}}"`, so the image.ts type-checks and
 * reads the text as Packer does. "" is Packer's unset: false, [], or undefined (left out).
 */
export const packerJson = {
  /**
   * A Packer JSON template's variables rendered as Packer renders them: `{{user \`x\`}}`,
   * `{{env \`X\`}}` and the other template functions in defaults, var-file, -var and
   * PKR_VAR_ values (the EKS AMI template's var-file sets `"working_dir": "{{user
   * \`remote_folder\`}}/worker"`). `tsimg convert` writes `renderVariables: packerJson.render`
   * into the image.ts of a JSON template; it is the JSON loader's own code, in
   * @tsimg/packer-template (loaded only for it).
   */
  async render(values: Record<string, unknown>, ctx: RenderVariablesContext): Promise<Record<string, unknown>> {
    const name = '@tsimg/packer-template'
    let mod: { renderJsonVariables(values: Record<string, unknown>, ctx: RenderVariablesContext): Record<string, unknown> }
    try {
      mod = (await import(name)) as typeof mod
    } catch (err) {
      throw new TemplateError('renders its variables as a Packer JSON template (packerJson.render), and @tsimg/packer-template is not installed', {
        file: ctx.file,
        cause: err,
        hint: 'npm install @tsimg/packer-template',
      })
    }
    return mod.renderJsonVariables(values, ctx)
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
    const b = goParseBool(v)
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
  /**
   * "a,b" is ["a", "b"] (Packer's "," slice decoding), "" the empty list. `T` is the items' type
   * (`'all'` for snapshot_groups), inferred from where the value goes, as for `string`.
   */
  list<T extends string = string>(v: string): T[] {
    return (v === '' ? [] : v.split(',')) as T[]
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
