import type { RenderVariablesContext } from '@tsimg/core'
import { TemplateError } from '@tsimg/core/plugin'
import { EvalError, packerError } from '../errors.js'
import type { Evaluator } from '../model.js'
import { jsonEvaluator } from './load-json.js'

/** `{{user `name`}}` / `{{ user "name" }}` anywhere in a value. */
const USER_REF = /\{\{[^}]*?\buser\s+(?:`([^`]*)`|"([^"]*)")/g

/**
 * Packer JSON's variables as Packer 1.6.6 reads them: every value (a default, a var-file entry,
 * `-var`, PKR_VAR_) may use `{{user}}` and `{{env}}`; variables may refer to each other in any
 * order, and one is rendered once those it refers to are. A reference to a variable that is
 * not set, or a cycle, is an error naming the variable (Packer: "Failed to interpolate").
 */
function interpolateVariables(
  values: Readonly<Record<string, unknown>>,
  render: (name: string, text: string, current: Record<string, unknown>) => string,
  lineOf: (name: string) => number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values }
  const pending = new Set(Object.keys(values).filter((k) => typeof values[k] === 'string' && (values[k] as string).includes('{{')))
  while (pending.size) {
    let progress = false
    for (const name of [...pending]) {
      const text = out[name] as string
      const refs = [...text.matchAll(USER_REF)].map((m) => m[1] ?? m[2] ?? '')
      const missing = refs.find((r) => !(r in out))
      if (missing !== undefined) {
        throw new EvalError(
          `variable "${name}" uses {{user \`${missing}\`}}, which is not set`,
          'Packer treats a variable used in another variable as required: declare it, or set it with -var or a -var-file.',
          lineOf(name),
        )
      }
      if (refs.some((r) => pending.has(r))) continue
      out[name] = render(name, text, out)
      pending.delete(name)
      progress = true
    }
    if (!progress) {
      const names = [...pending]
      throw new EvalError(
        `variable${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')} refer${names.length > 1 ? '' : 's'} to each other in a cycle: none can be interpolated`,
        'Give one of them a value that does not use {{user}}.',
        lineOf(names[0]!),
      )
    }
  }
  return out
}

/**
 * A Packer JSON template's resolved variables rendered as Packer renders them before the build:
 * every template function (`{{user}}`, `{{env}}`, `{{timestamp}}`, `{{isotime}}`...), in
 * dependency order. The JSON loader's `renderVariables` (with the template's lines) and the
 * converted image.ts's (`packerJson.render`, without them) both come here. An error names the
 * template file, and the variable's line when it is known.
 */
export function renderJsonVariables(
  values: Readonly<Record<string, unknown>>,
  ctx: RenderVariablesContext,
  template: { evaluator: Evaluator; file: string; lineOf(name: string): number | undefined } = {
    evaluator: jsonEvaluator(ctx.templateDir),
    file: ctx.file,
    lineOf: () => undefined,
  },
): Record<string, unknown> {
  const run = { mode: 'run' as const, timestamp: ctx.timestamp, cwd: ctx.cwd, env: ctx.env }
  const render = (name: string, text: string, current: Record<string, unknown>) =>
    String(template.evaluator.begin({ ...run, vars: current }).value(text, template.file, template.lineOf(name) ?? 0))
  try {
    return interpolateVariables(values, render, (n) => template.lineOf(n) ?? 0)
  } catch (err) {
    if (!(err instanceof EvalError)) throw err
    if (err.line) throw packerError({ file: template.file, line: err.line }, 'variables', err.message, err.hint)
    throw new TemplateError(err.message, { file: template.file, field: 'variables', ...(err.hint ? { hint: err.hint } : {}) })
  }
}
