import { EvalError } from '../errors.js'

/** `{{user `name`}}` / `{{ user "name" }}` anywhere in a value. */
const USER_REF = /\{\{[^}]*?\buser\s+(?:`([^`]*)`|"([^"]*)")/g

/**
 * Packer JSON's variables as Packer 1.6.6 reads them: every value (a default, a var-file entry,
 * `-var`, PKR_VAR_) may use `{{user}}` and `{{env}}`; variables may refer to each other in any
 * order, and one is rendered once those it refers to are. A reference to a variable that is
 * not set, or a cycle, is an error naming the variable (Packer: "Failed to interpolate").
 */
export function interpolateVariables(values: Readonly<Record<string, unknown>>, render: (name: string, text: string, current: Record<string, unknown>) => string, lineOf: (name: string) => number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values }
  const pending = new Set(Object.keys(values).filter((k) => typeof values[k] === 'string' && (values[k] as string).includes('{{')))
  while (pending.size) {
    let progress = false
    for (const name of [...pending]) {
      const text = out[name] as string
      const refs = [...text.matchAll(USER_REF)].map((m) => m[1] ?? m[2] ?? '')
      const missing = refs.find((r) => !(r in out))
      if (missing !== undefined) {
        throw new EvalError(`variable "${name}" uses {{user \`${missing}\`}}, which is not set`, 'Packer treats a variable used in another variable as required: declare it, or set it with -var or a -var-file.', lineOf(name))
      }
      if (refs.some((r) => pending.has(r))) continue
      out[name] = render(name, text, out)
      pending.delete(name)
      progress = true
    }
    if (!progress) {
      const names = [...pending]
      throw new EvalError(`variable${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')} refer${names.length > 1 ? '' : 's'} to each other in a cycle: none can be interpolated`, 'Give one of them a value that does not use {{user}}.', lineOf(names[0]!))
    }
  }
  return out
}
