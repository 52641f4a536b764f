import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { open, readFile, stat } from 'node:fs/promises'
import { posix, resolve } from 'node:path'
import {
  checkCommonOptions,
  checkOneOf,
  checkSchema,
  durationMs,
  fieldError,
  formatGoDuration,
  type ProvisionContext,
  type ProvisionerPlugin,
  type ValidateContext,
} from '@tsimg/core/plugin'
import { DEFAULT_EXECUTE_COMMAND, formatVars, renderCommand, scriptEnv } from './env.js'
import { shellSchema, type ShellOptions } from './options.js'
import { runScript, type Script } from './run-script.js'

/**
 * Packer's `shell` provisioner: uploads inline commands or local scripts over SFTP and runs
 * each with the execute command, streaming its output.
 *
 *   shell({ scripts: ['scripts/base.sh'], environmentVars: { APP_ENV: 'prod' } })
 */
export function shell(options: ShellOptions): ProvisionerPlugin<ShellOptions> {
  // One remote name per provisioner, chosen once, as Packer does with script_<n>.sh.
  const remoteFile = options.remoteFile ?? `script_${randomInt(10_000)}.sh`
  const remotePath = options.remotePath ?? posix.join(options.remoteFolder ?? '/tmp', remoteFile)
  const scriptList = () => options.scripts ?? (options.script === undefined ? [] : [options.script])

  return {
    kind: 'provisioner',
    type: 'shell',
    options,
    schema: shellSchema,
    async validate(ctx: ValidateContext) {
      checkSchema(shellSchema, options, ctx)
      checkCommonOptions(options, ctx)
      checkOneOf(ctx, options, ['inline', 'script', 'scripts'])
      const field = (i: number) => (options.scripts ? `scripts[${i}]` : 'script')
      for (const [i, s] of scriptList().entries()) await checkReadable(ctx, field(i), s)
    },
    describe: () => (options.inline ? 'shell (inline)' : `shell ${scriptList().join(', ')}`),
    async provision(ctx: ProvisionContext) {
      const vars = formatVars(scriptEnv(ctx.build, options.environmentVars), options.envVarFormat)
      const settings = {
        remotePath,
        command: renderCommand(options.executeCommand ?? DEFAULT_EXECUTE_COMMAND, { Vars: vars, Path: remotePath }),
        expectDisconnect: options.expectDisconnect ?? false,
        validExitCodes: options.validExitCodes ?? [0],
        startRetryMs: durationMs(options.startRetryTimeout, 5 * 60_000),
        skipClean: options.skipClean ?? false,
      }
      for await (const script of scriptsToRun(options, ctx.templateDir)) await runScript(ctx, settings, script)
      const pause = durationMs(options.pauseAfter)
      if (pause > 0) {
        ctx.ui.say(`Pausing ${formatGoDuration(pause)} after this provisioner...`)
        await sleep(pause, undefined, { signal: ctx.signal })
      }
    },
  }
}

async function* scriptsToRun(o: ShellOptions, templateDir: string): AsyncGenerator<Script> {
  if (o.inline) {
    const n = o.inline.length
    yield { label: `inline (${n} command${n === 1 ? '' : 's'})`, content: `#!${o.inlineShebang ?? '/bin/sh -e'}\n${o.inline.join('\n')}\n` }
    return
  }
  for (const s of o.scripts ?? (o.script === undefined ? [] : [o.script])) {
    const bytes = await readFile(resolve(templateDir, s))
    // Scripts edited on Windows would fail with `/bin/sh^M: bad interpreter`; Packer converts too.
    yield { label: s, content: o.binary ? bytes : bytes.toString('utf8').replace(/\r\n/g, '\n') }
  }
}

async function checkReadable(ctx: ValidateContext, field: string, file: string): Promise<void> {
  try {
    const st = await stat(resolve(ctx.templateDir, file))
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
    await (await open(resolve(ctx.templateDir, file), 'r')).close()
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable'
    throw fieldError(ctx, field, `cannot read ${file} (${code})`, err)
  }
}
