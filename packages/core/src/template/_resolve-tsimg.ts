import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A template in a folder without its own node_modules (run with a global or npx-installed tsimg)
 * still imports `@tsimg/*`: those resolve to the packages next to this running copy of the core.
 * When the template can resolve `@tsimg/core` itself, its own installation wins and nothing changes.
 */
export function tsimgFallback(templateDir: string): TsimgFallback | undefined {
  try {
    createRequire(join(templateDir, '_index.js')).resolve('@tsimg/core')
    return undefined
  } catch {
    // not resolvable from the template: fall back to ours
  }
  const scopeDir = ownScopeDir()
  if (!scopeDir) return undefined
  const entries: Record<string, string> = {}
  const types: Record<string, string> = {}
  for (const name of readdirSync(scopeDir)) {
    const pkgDir = join(scopeDir, name)
    let pkg: PackageJson
    try {
      pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageJson
    } catch {
      continue // not a package
    }
    // Every entry point its exports map names (`@tsimg/core/plugin` too), else its main.
    const exported = Object.entries(pkg.exports ?? { '.': { default: pkg.main ?? 'dist/index.js', types: pkg.types } })
    for (const [sub, target] of exported) {
      const specifier = sub === '.' ? `@tsimg/${name}` : `@tsimg/${name}/${sub.replace(/^\.\//, '')}`
      const js = typeof target === 'string' ? target : (target.default ?? target.import)
      const dts = typeof target === 'string' ? undefined : target.types
      if (js) entries[specifier] = join(pkgDir, js)
      if (dts) types[specifier] = join(pkgDir, dts)
    }
  }
  return { scopeDir, entries, types }
}

export interface TsimgFallback {
  /** The `node_modules/@tsimg` folder of the running tsimg. */
  readonly scopeDir: string
  /** Each entry point (`@tsimg/core`, `@tsimg/core/plugin`...) to its JavaScript file: jiti's aliases. */
  readonly entries: Record<string, string>
  /** Each entry point to its declarations: the compiler's paths. */
  readonly types: Record<string, string>
}

interface PackageJson {
  main?: string
  types?: string
  exports?: Record<string, string | { types?: string; import?: string; default?: string }>
}

/** The `node_modules/@tsimg` folder this core is installed in (or linked from, in the workspace). */
function ownScopeDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'node_modules', '@tsimg')
    if (existsSync(join(candidate, 'core'))) return candidate
    if (dir.endsWith(join('node_modules', '@tsimg'))) return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
