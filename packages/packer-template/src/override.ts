import type { Body, PackerPlugin } from './model.js'

/** One entry of a provisioner's `override`: the name it is under, and the options it sets. */
export interface Override {
  readonly key: string
  readonly line: number
  readonly body: Body
}

/**
 * A build the provisioner may run on: `build` is the name its copy's `only` lists; `key` is
 * the name an override entry must have to apply to it (a JSON builder's name; an HCL source's
 * name, as Packer looks up `override` by source name alone); `names` are all the names
 * `only`/`except` may use for it.
 */
export interface OverrideTarget {
  readonly build: string
  readonly key: string
  readonly names: readonly string[]
}

/**
 * Packer's provisioner `override`: for the builds an entry names, the provisioner runs with
 * those options set over its own. tsimg makes that a copy of the provisioner limited to those
 * builds (`only`), and limits the original to the other builds. Entries that name no build are
 * handed to `stray` (JSON templates make that an error; Packer ignores them in HCL).
 */
export function withOverrides(
  p: PackerPlugin,
  overrides: readonly Override[],
  targets: readonly OverrideTarget[],
  stray: (o: Override) => void,
): PackerPlugin[] {
  if (overrides.length === 0) return [p]
  for (const o of overrides) if (!targets.some((t) => t.key === o.key)) stray(o)
  const runsOn = targets.filter((t) => (!p.only || p.only.some((n) => t.names.includes(n))) && !p.except?.some((n) => t.names.includes(n)))
  const out: PackerPlugin[] = []
  for (const o of overrides) {
    const builds = runsOn.filter((t) => t.key === o.key).map((t) => t.build)
    if (builds.length === 0) continue
    const set = new Set(o.body.attrs.map((a) => a.name))
    const body: Body = {
      attrs: [...p.body.attrs.filter((a) => !set.has(a.name)), ...o.body.attrs],
      blocks: p.body.blocks.filter((b) => !set.has(b.type) && !set.has(b.labels?.[0] ?? '')),
    }
    const { except: _, ...rest } = p
    out.push({ ...rest, body, only: builds, origin: `${p.origin} override "${o.key}"` })
  }
  // Entries that apply to no build leave the provisioner as written.
  if (out.length === 0) return [p]
  const others = runsOn.filter((t) => !overrides.some((o) => o.key === t.key)).map((t) => t.build)
  if (others.length) out.unshift({ ...p, only: others })
  return out
}
