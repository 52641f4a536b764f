import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { TemplateError } from '../errors.js'
import { DetailedLog } from '../ui/render-log.js'
import { EXIT_OK, exitCodeFor, formatError, logEnabled } from './errors.js'

/**
 * `tsimg convert <template> [-o image.ts]`: writes the typed image.ts equivalent to a Packer
 * template. The converter lives in @tsimg/packer-template, loaded only for this command.
 */
export async function convertCommand(template: string, flags: { output?: string }): Promise<number> {
  try {
    const name = '@tsimg/packer-template'
    let mod: { convertTemplate(path: string, shownAs: string, opts?: { outputDir?: string }): Promise<string> }
    try {
      mod = (await import(name)) as typeof mod
    } catch (err) {
      throw new TemplateError('tsimg convert needs @tsimg/packer-template', { cause: err, hint: 'npm install @tsimg/packer-template' })
    }
    const path = resolve(template)
    const shown = relative(process.cwd(), path) || path
    // Packer resolves the template's relative paths from here; the image.ts resolves them from its own folder.
    const text = await mod.convertTemplate(path, shown.startsWith('..') ? path : shown, flags.output ? { outputDir: dirname(resolve(flags.output)) } : {})
    if (flags.output) {
      await mkdir(dirname(resolve(flags.output)), { recursive: true })
      await writeFile(flags.output, text)
      process.stderr.write(`Wrote ${flags.output}: check it with tsimg validate ${flags.output}\n`)
    } else {
      process.stdout.write(text)
    }
    return EXIT_OK
  } catch (err) {
    DetailedLog.fromEnv()?.error('template', err)
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  }
}
