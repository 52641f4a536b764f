import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { CancelledError, TemplateError, TsimgError } from '../errors.js'
import type { ValidateContext } from '../plugin/types.js'
import type { Ui } from '../ui/ui.js'

/**
 * Packer's shell-local runs commands on this machine, as a post-processor and as a provisioner.
 * Both are written on this one runner: the options, the checks before anything is created, and
 * the run (scripts copied to a private temporary directory, output streamed line by line).
 */
export const shellLocalShape = {
  /** Commands written to a temporary script (with `inlineShebang`) and run. */
  inline: z.array(z.string()).optional(),
  /** One command line, run with `/bin/sh -c`. */
  command: z.string().min(1).optional(),
  /** A local script, relative to the template's directory. */
  script: z.string().min(1).optional(),
  scripts: z.array(z.string().min(1)).optional(),
  /** `['KEY=value']` as in Packer, or `{ KEY: 'value' }`. */
  environmentVars: z.union([z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'expected KEY=value')), z.record(z.string(), z.string())]).optional(),
  /** How each script runs; `{{.Script}}` is its path and `{{.Vars}}` the environment assignments. Default `['/bin/sh', '-c', '{{.Vars}} {{.Script}}']`. */
  executeCommand: z.array(z.string()).min(1).optional(),
  /** First line of the inline script. Default `/bin/sh -e`. */
  inlineShebang: z.string().min(1).optional(),
  /** Run only on these platforms (`linux`, `darwin`, `win32`, as Node names them). */
  onlyOn: z.array(z.string()).optional(),
  /** Exit codes that count as success. Default `[0]`. */
  validExitCodes: z.array(z.number().int()).optional(),
}

export const shellLocalSchema = z.strictObject(shellLocalShape)
export type ShellLocalOptions = z.infer<typeof shellLocalSchema>

/** What a run needs from a provision or post-process context. */
export interface LocalRunContext {
  readonly ui: Ui
  readonly signal: AbortSignal
  readonly templateDir: string
}

/** Exactly one of inline, command, script, scripts, and every script readable: before anything is created. */
export async function checkShellLocal(options: ShellLocalOptions, ctx: ValidateContext): Promise<void> {
  const given = (['inline', 'command', 'script', 'scripts'] as const).filter((k) => options[k] !== undefined)
  if (given.length !== 1) {
    throw new TemplateError(`set exactly one of inline, command, script, scripts (got ${given.length ? given.join(', ') : 'none'})`, {
      file: ctx.templateFile,
      field: ctx.path,
    })
  }
  for (const [i, s] of scriptList(options).entries()) {
    const p = resolve(ctx.templateDir, s)
    await access(p, constants.R_OK).catch((err: unknown) => {
      throw new TemplateError(`cannot read script ${p}`, {
        file: ctx.templateFile,
        field: `${ctx.path}.${options.script ? 'script' : `scripts[${i}]`}`,
        cause: err,
      })
    })
  }
}

/** Runs the commands with `vars` in their environment; false when `onlyOn` skips this platform. */
export async function runShellLocal(options: ShellLocalOptions, vars: Record<string, string>, ctx: LocalRunContext): Promise<boolean> {
  if (options.onlyOn && !options.onlyOn.includes(process.platform)) {
    ctx.ui.say(`Skipping shell-local: not running on ${process.platform} (onlyOn: ${options.onlyOn.join(', ')})`)
    return false
  }
  const env = { ...vars, ...userVars(options.environmentVars) }
  const tmp = await mkdtemp(join(tmpdir(), 'tsimg-shell-local-'))
  try {
    for (const script of await scriptsToRun(options, ctx.templateDir, tmp)) {
      if (ctx.signal.aborted) throw new CancelledError()
      ctx.ui.say(`Running local shell script: ${script.label}`)
      await runLocal(script, env, options, ctx)
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return true
}

function scriptList(o: ShellLocalOptions): string[] {
  return o.script ? [o.script] : (o.scripts ?? [])
}

async function scriptsToRun(o: ShellLocalOptions, templateDir: string, tmp: string): Promise<{ path: string; label: string }[]> {
  if (o.inline || o.command) {
    const body = o.inline ? o.inline.join('\n') : (o.command as string)
    const path = join(tmp, 'inline.sh')
    await writeFile(path, `#!${o.inlineShebang ?? '/bin/sh -e'}\n${body}\n`, { mode: 0o700 })
    return [{ path, label: o.inline ? 'inline' : (o.command as string) }]
  }
  // Run copies, as Packer does: the user's own files keep their mode.
  return Promise.all(
    scriptList(o).map(async (s, i) => {
      const path = join(tmp, `script-${i}.sh`)
      await copyFile(resolve(templateDir, s), path)
      await chmod(path, 0o700)
      return { path, label: s }
    }),
  )
}

async function runLocal(
  { path: script, label }: { path: string; label: string },
  vars: Record<string, string>,
  o: ShellLocalOptions,
  ctx: LocalRunContext,
): Promise<void> {
  const assignments = Object.entries(vars)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ')
  const template = o.executeCommand ?? ['/bin/sh', '-c', '{{.Vars}} {{.Script}}']
  const argv = template.map((a) => a.replaceAll('{{.Vars}}', assignments).replaceAll('{{.Script}}', shellQuote(script)))
  const [cmd, ...args] = argv as [string, ...string[]]
  const child = spawn(cmd, args, { cwd: ctx.templateDir, env: { ...process.env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal })
  createInterface({ input: child.stdout }).on('line', (l) => ctx.ui.remote(l, 'stdout'))
  createInterface({ input: child.stderr }).on('line', (l) => ctx.ui.remote(l, 'stderr'))
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej)
    child.once('close', (c) => res(c))
  }).catch((err: unknown) => {
    if (ctx.signal.aborted) throw new CancelledError()
    throw err
  })
  if (ctx.signal.aborted) throw new CancelledError()
  const valid = o.validExitCodes ?? [0]
  if (code === null || !valid.includes(code)) {
    throw new TsimgError('SHELL_LOCAL_FAILED', `shell-local: erroneous exit code ${code ?? 'none (killed)'} while executing ${label}`, {
      hint: 'See the script output above; add the code to validExitCodes if it means success.',
    })
  }
}

function userVars(v: ShellLocalOptions['environmentVars']): Record<string, string> {
  if (!v) return {}
  if (!Array.isArray(v)) return { ...v }
  return Object.fromEntries(v.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}
