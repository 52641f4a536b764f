import { resolve } from 'node:path'
import { loadEngine } from './engine.js'
import type { BuildOptions, TemplateInfo } from './engine.js'
import { EXIT_OK, exitCodeFor, formatError, logEnabled } from './errors.js'
import { DetailedLog } from '../ui/render-log.js'

export interface TemplateFlags {
  var: Record<string, string>
  varFile: string[]
  only: string[]
  except: string[]
  machineReadable?: boolean
}

function engineOptions(template: string, flags: TemplateFlags): BuildOptions {
  return { templateFile: resolve(template), vars: flags.var, varFiles: flags.varFile, only: flags.only, except: flags.except, cwd: process.cwd() }
}

/** `tsimg validate <template>`: load, type-check and check every value; creates nothing. */
export async function validateCommand(template: string, flags: TemplateFlags): Promise<number> {
  try {
    const engine = await loadEngine()
    const info = await engine.validate(engineOptions(template, flags))
    for (const w of info.warnings) process.stderr.write(`Warning: ${w}\n`)
    process.stdout.write('The configuration is valid.\n')
    return EXIT_OK
  } catch (err) {
    DetailedLog.fromEnv()?.error('template', err)
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  }
}

/** `tsimg inspect <template>`: what the template declares (variables, builds, provisioners). */
export async function inspectCommand(template: string, flags: TemplateFlags): Promise<number> {
  try {
    const engine = await loadEngine()
    const info = await engine.inspect(engineOptions(template, flags))
    process.stdout.write(flags.machineReadable ? `${JSON.stringify(info)}\n` : renderInspect(info))
    return EXIT_OK
  } catch (err) {
    DetailedLog.fromEnv()?.error('template', err)
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  }
}

/** Packer-inspect-like text: variables, then the builds with their provisioners and post-processors. */
function renderInspect(info: TemplateInfo): string {
  const out: string[] = [`tsimg inspect: ${info.file}`, '']
  if (info.description) out.push(`Description: ${info.description}`, '')
  out.push('> input-variables:', '')
  for (const v of info.variables) {
    const flags = [v.typeName ?? v.type, v.required ? 'required' : '', v.sensitive ? 'sensitive' : ''].filter(Boolean).join(', ')
    const value = v.value === '<unset>' || v.value === '<sensitive>' || (v.typeName ?? v.type) !== 'string' ? v.value : JSON.stringify(v.value)
    out.push(`var.${v.name}: ${value}  (${flags}; ${v.source === 'unset' ? 'not set' : `from ${v.source}`})`)
  }
  if (info.variables.length === 0) out.push('<none>')
  out.push('', '> builds:', '', '  > sources:', '')
  for (const s of info.sources) out.push(`    ${s.name}`)
  if (info.sources.length === 0) out.push('    <none>')
  out.push('', '  > provisioners:', '')
  for (const p of info.provisioners) out.push(`    ${plugin(p)}`)
  if (info.provisioners.length === 0) out.push('    <none>')
  if (info.errorCleanupProvisioner) out.push('', '  > error-cleanup-provisioner:', '', `    ${plugin(info.errorCleanupProvisioner)}`)
  out.push('', '  > post-processors:', '')
  for (const p of info.postProcessors) out.push(`    ${plugin(p)}`)
  if (info.postProcessors.length === 0) out.push('    <none>')
  if (info.verify) {
    out.push('', '  > verify (on a machine of the new image):', '')
    for (const c of info.verify) out.push(`    ${plugin(c)}`)
  }
  for (const w of info.warnings) out.push('', `Warning: ${w}`)
  return out.join('\n') + '\n'
}

function plugin(p: TemplateInfo['provisioners'][number]): string {
  const scope = [p.only ? `only ${p.only.join(',')}` : '', p.except ? `except ${p.except.join(',')}` : ''].filter(Boolean).join('; ')
  return [p.type, p.description ? `: ${p.description}` : '', scope ? ` (${scope})` : ''].join('')
}
