import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { checkCommonOptions, checkSchema, fieldError, type ValidateContext } from '@tsimg/core/plugin'
import { ansibleSchema, type AnsibleOptions } from './options.js'
import { INSTALL_HINT } from './process.js'

/**
 * Everything checkable before a build creates anything: the options' shape (an unknown one
 * included), the playbook, galaxy file and inventory folder, and that ansible-playbook (and
 * ansible-galaxy when needed) run here.
 */
export async function validateAnsible(o: AnsibleOptions, ctx: ValidateContext): Promise<void> {
  checkSchema(ansibleSchema, o, ctx)
  checkCommonOptions(o, ctx)
  await expect(ctx, 'playbookFile', o.playbookFile, 'file')
  if (o.galaxyFile !== undefined) await expect(ctx, 'galaxyFile', o.galaxyFile, 'file')
  if (o.inventoryDirectory !== undefined) await expect(ctx, 'inventoryDirectory', o.inventoryDirectory, 'directory')
  if (o.skipVersionCheck) return
  await checkRuns(ctx, 'command', o.command ?? 'ansible-playbook')
  if (o.galaxyFile !== undefined) await checkRuns(ctx, 'galaxyCommand', o.galaxyCommand ?? 'ansible-galaxy')
}

async function expect(ctx: ValidateContext, field: string, path: string, kind: 'file' | 'directory'): Promise<void> {
  const full = resolve(ctx.templateDir, path)
  const st = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw fieldError(ctx, field, `cannot read ${path} (${err.code ?? err.message})`, err)
  })
  if (kind === 'file' ? !st.isFile() : !st.isDirectory()) throw fieldError(ctx, field, `${path} must be a ${kind}`)
}

/** `<command> --version`, once per command per process (each build validates its provisioners). */
const versions = new Map<string, Promise<string>>()

async function checkRuns(ctx: ValidateContext, field: string, command: string): Promise<void> {
  let run = versions.get(command)
  if (!run) {
    run = new Promise<string>((ok, fail) => execFile(command, ['--version'], { timeout: 120_000 }, (err, stdout) => (err ? fail(err) : ok(stdout))))
    versions.set(command, run)
    run.catch(() => versions.delete(command))
  }
  try {
    const out = await run
    if (!/\d+\.\d+/.test(out)) throw new Error(`no version in its output: ${out.slice(0, 200)}`)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'was not found on PATH' : `--version failed: ${e.message}`
    throw fieldError(ctx, field, `${command} ${why}. ${INSTALL_HINT}; or set skipVersionCheck if it is installed during the build`, err)
  }
}
