import { resolve } from 'node:path'
import { loadEngine } from './engine.js'
import type { EngineBuildOptions } from './engine.js'
import { EXIT_OK, exitCodeFor, formatError, logEnabled } from './errors.js'

export interface TemplateFlags {
  var: Record<string, string>
  varFile: string[]
  only: string[]
  except: string[]
  machineReadable?: boolean
}

function engineOptions(template: string, flags: TemplateFlags): EngineBuildOptions {
  return { templateFile: resolve(template), vars: flags.var, varFiles: flags.varFile, only: flags.only, except: flags.except, cwd: process.cwd() }
}

/** `tsimg validate <template>`: load, type-check and check every value; creates nothing. */
export async function validateCommand(template: string, flags: TemplateFlags): Promise<number> {
  try {
    const engine = await loadEngine()
    await engine.validate(engineOptions(template, flags))
    process.stdout.write('The configuration is valid.\n')
    return EXIT_OK
  } catch (err) {
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
    process.stderr.write(formatError(err, logEnabled()))
    return exitCodeFor(err)
  }
}

/** Packer-inspect-like text for whatever the engine reports; sections are the object's keys. */
export function renderInspect(info: unknown): string {
  if (info === null || typeof info !== 'object') return `${String(info)}\n`
  const lines: string[] = []
  for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
    lines.push(`> ${key}:`, '')
    lines.push(...section(value, '  '), '')
  }
  return lines.join('\n') + '\n'
}

function section(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}<none>`]
    return value.flatMap((v) => (v !== null && typeof v === 'object' ? [...section(v, indent), ''] : [`${indent}${String(v)}`]))
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return [`${indent}<none>`]
    return entries.flatMap(([k, v]) =>
      v !== null && typeof v === 'object' ? [`${indent}${k}:`, ...section(v, `${indent}  `)] : [`${indent}${k}: ${JSON.stringify(v)}`],
    )
  }
  return [`${indent}${JSON.stringify(value)}`]
}
