import type { RenderVariablesContext } from '@tsimg/core'
import { TemplateError } from '@tsimg/core/plugin'
import { EvalError, packerError } from '../errors.js'
import type { Evaluator } from '../model.js'
import { jsonEvaluator } from './load-json.js'

/** `{{user `name`}}` / `{{ user "name" }}` anywhere in a value. */
const USER_REF = /\{\{[^}]*?\buser\s+(?:`([^`]*)`|"([^"]*)")/g

/** Packer's own test for "this value still calls user" (core.go isDoneInterpolating): backquotes only. */
const PACKER_USER_CALL = /\{\{\s*user\s*`.*`\s*\}\}/

/**
 * Packer JSON's variables as Packer 1.6.6 reads them: every value (a default, a var-file entry,
 * `-var`, PKR_VAR_) may use `{{user}}` and `{{env}}`; variables may refer to each other in any
 * order, and one is rendered once those it refers to are.
 *
 * A variable that uses one no one sets, or sits in a cycle, cannot be rendered. Packer 1.6.6
 * (core.go renderVarsRecursively) renders every variable up to 100 rounds and fails ("Failed to
 * interpolate") only when nothing was rendered in the last round; a value that calls
 * {{user `x`}} stays in every round, so as soon as one such variable renders, the ones that
 * cannot are let through (image-builder's ansible_common_vars uses {{user `containerd_sha256`}},
 * which only its ppc64le var-file sets). Then the unset names read as "", as Packer's shell and
 * ansible provisioners see them when they render such a value a second time (Packer drops a
 * template default in that state altogether; a var-file or -var value keeps the rest of its text).
 * Otherwise it is an error naming the variable.
 */
function interpolateVariables(
  values: Readonly<Record<string, unknown>>,
  render: (name: string, text: string, current: Record<string, unknown>) => string,
  lineOf: (name: string) => number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values }
  const pending = new Set(Object.keys(values).filter((k) => typeof values[k] === 'string' && (values[k] as string).includes('{{')))
  const refsOf = (name: string) => [...(out[name] as string).matchAll(USER_REF)].map((m) => m[1] ?? m[2] ?? '')
  let userCallRendered = false
  for (;;) {
    let progress = false
    for (const name of [...pending]) {
      const refs = refsOf(name)
      if (refs.some((r) => !(r in out) || pending.has(r))) continue
      const text = out[name] as string
      out[name] = render(name, text, out)
      if (PACKER_USER_CALL.test(text)) userCallRendered = true
      pending.delete(name)
      progress = true
    }
    if (!progress) break
  }
  if (!pending.size) return out
  const stuck = [...pending]
  if (userCallRendered) {
    // Packer lets them through: the names no one sets (and the stuck variables) read as "".
    const unset = Object.fromEntries([...new Set(stuck.flatMap(refsOf))].filter((r) => !(r in out) || pending.has(r)).map((r) => [r, '']))
    const texts = Object.fromEntries(stuck.map((n) => [n, out[n] as string]))
    for (const name of stuck) out[name] = render(name, texts[name]!, { ...out, ...unset })
    return out
  }
  for (const name of stuck) {
    const missing = refsOf(name).find((r) => !(r in out))
    if (missing !== undefined) {
      throw new EvalError(
        `variable "${name}" uses {{user \`${missing}\`}}, which is not set`,
        'Packer treats a variable used in another variable as required: declare it, or set it with -var or a -var-file.',
        lineOf(name),
      )
    }
  }
  throw new EvalError(
    `variable${stuck.length > 1 ? 's' : ''} ${stuck.map((n) => `"${n}"`).join(', ')} refer${stuck.length > 1 ? '' : 's'} to each other in a cycle: none can be interpolated`,
    'Give one of them a value that does not use {{user}}.',
    lineOf(stuck[0]!),
  )
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
