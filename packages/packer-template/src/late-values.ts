import { buildValueNames } from '@tsimg/core/plugin'
import { packerError } from './errors.js'
import type { PackerPlugin } from './model.js'
import type { PluginMapping } from './plugins/table.js'

/** Known for every build, from the build itself. */
const ALWAYS = ['BuildName', 'BuilderType']

/** Checks a source's build-time values: only in its late options, only values it makes. */
export function checkSourceLateValues(p: PackerPlugin, m: PluginMapping, options: Record<string, unknown>): string[] {
  const used: string[] = []
  for (const [k, v] of Object.entries(options)) {
    // Placeholders the builder fills itself (docker run_command's {{.Image}}).
    if (m.selfFilled?.includes(k)) continue
    const names = buildValueNames(v)
    if (!names.length) continue
    if (!m.late?.includes(k)) {
      throw packerError(
        { file: p.file, line: p.line },
        `${p.origin}.${k}`,
        `uses ${names.map((n) => `{{ .${n} }}`).join(', ')}, a value known only while the build runs`,
        m.late?.length
          ? `The ${m.packerType} builder fills build-time values in: ${m.late.join(', ')}.`
          : `The ${m.packerType} builder reads this option before it has that value.`,
      )
    }
    checkKnown(p, m, names)
    used.push(...names)
  }
  return used
}

/** A provisioner's or post-processor's build-time values must be ones every source it runs for makes. */
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
    throw packerError(
      { file: p.file, line: p.line },
      p.origin,
      `build-time value ${missing.map((n) => `.${n}`).join(', ')} is not made by the ${m.packerType} builder`,
      `It makes: ${known.join(', ')}.`,
    )
  }
}
