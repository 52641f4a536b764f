import type { BaseState, ProvisionerPlugin, SourcePlugin, Step } from '@tsimg/core'
import { packerError } from './errors.js'
import type { PackerPlugin } from './model.js'
import type { PluginMapping } from './plugins/table.js'

/** Go-template placeholders of values a build only has while it runs (`{{ .SourceAMIName }}`). */
export const BUILD_VALUE = /\{\{\s*\.(\w+)\s*\}\}/g
/** Placeholders the plugins fill themselves (shell's execute_command, shell-local's). */
const PLUGIN_PLACEHOLDERS = new Set(['Vars', 'Path', 'Script'])
/** Known for every build, from the build itself. */
const ALWAYS = ['BuildName', 'BuilderType']

export function buildValues(v: unknown, found: Set<string> = new Set()): string[] {
  if (typeof v === 'string') {
    for (const m of v.matchAll(BUILD_VALUE)) if (!PLUGIN_PLACEHOLDERS.has(m[1]!)) found.add(m[1]!)
  } else if (Array.isArray(v)) v.forEach((x) => buildValues(x, found))
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => buildValues(x, found))
  return [...found]
}

/** Replaces the placeholders `get` knows; the others stay for later. */
export function fill(v: unknown, get: (name: string) => unknown): unknown {
  if (typeof v === 'string') return v.replace(BUILD_VALUE, (m, n: string) => (PLUGIN_PLACEHOLDERS.has(n) ? m : ((x) => (x === undefined ? m : String(x)))(get(n))))
  if (Array.isArray(v)) return v.map((x) => fill(x, get))
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, get)]))
  return v
}

/** Checks a source's build-time values: only in its late options, only values it makes. */
export function checkSourceLateValues(p: PackerPlugin, m: PluginMapping, options: Record<string, unknown>): string[] {
  const used: string[] = []
  for (const [k, v] of Object.entries(options)) {
    const names = buildValues(v)
    if (!names.length) continue
    if (!m.late?.includes(k)) {
      throw packerError({ file: p.file, line: p.line }, `${p.origin}.${k}`, `uses ${names.map((n) => `{{ .${n} }}`).join(', ')}, a value known only while the build runs`, m.late?.length ? `The ${m.packerType} builder fills build-time values in: ${m.late.join(', ')}.` : `The ${m.packerType} builder reads this option before it has that value.`)
    }
    checkKnown(p, m, names)
    used.push(...names)
  }
  return used
}

/** A provisioner's build-time values must be ones every source it runs on makes. */
export function checkProvisionerLateValues(p: PackerPlugin, names: readonly string[], sources: readonly { name: string; mapping: PluginMapping }[]): void {
  for (const s of sources) {
    if (p.only?.length && !p.only.some((o) => o === s.name || s.name.endsWith(`.${o}`) || o === s.name.split('.').pop())) continue
    checkKnown(p, s.mapping, names)
  }
}

function checkKnown(p: PackerPlugin, m: PluginMapping, names: readonly string[]): void {
  const known = [...ALWAYS, ...(m.generated ?? [])]
  const missing = names.filter((n) => !known.includes(n))
  if (missing.length) {
    throw packerError({ file: p.file, line: p.line }, p.origin, `build-time value ${missing.map((n) => `.${n}`).join(', ')} is not made by the ${m.packerType} builder`, `It makes: ${known.join(', ')}.`)
  }
}

/**
 * A source whose late options hold build-time values: before each step runs, fills in the
 * values the build has made so far, in the options object the builder's steps read.
 */
export function withLateValues<S extends BaseState>(plugin: SourcePlugin<any, S>, late: readonly string[]): SourcePlugin<any, S> {
  const options = plugin.options as Record<string, unknown>
  return {
    ...plugin,
    async steps(ctx) {
      const facts: Record<string, unknown> = { BuildName: ctx.build.sourceName || ctx.build.sourceType, BuilderType: ctx.build.sourceType }
      return (await plugin.steps(ctx)).map((step) =>
        step
          ? ({
              ...step,
              run: (sctx) => {
                for (const k of late) options[k] = fill(options[k], (n) => facts[n] ?? sctx.state.generated[n])
                return step.run(sctx)
              },
            } satisfies Step<S>)
          : step,
      )
    },
  }
}

/** A provisioner whose options hold build-time values: made again, filled in, when it runs. */
export function deferredProvisioner(plugin: ProvisionerPlugin<any>, make: (o: Record<string, unknown>) => ProvisionerPlugin<any>, options: Record<string, unknown>): ProvisionerPlugin<any> {
  return {
    ...plugin,
    async provision(ctx) {
      const facts: Record<string, unknown> = { BuildName: ctx.build.sourceName || ctx.build.sourceType, BuilderType: ctx.build.sourceType, ...ctx.generated }
      const filled = fill(options, (name) => {
        const v = facts[name]
        if (v === undefined) throw new Error(`build-time value .${name} was not made by the ${ctx.build.sourceType} builder`)
        return v
      }) as Record<string, unknown>
      return make(filled).provision(ctx)
    },
  }
}
