import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A template in a folder without its own node_modules (run with a global or npx-installed tsimg)
 * still imports `@tsimg/*`: those resolve to the packages next to this running copy of the core.
 * When the template can resolve `@tsimg/core` itself, its own installation wins and nothing changes.
 */
export function tsimgFallback(templateDir: string): { scopeDir: string; entries: Record<string, string> } | undefined {
  try {
    createRequire(join(templateDir, '_index.js')).resolve('@tsimg/core')
    return undefined
  } catch {
    // not resolvable from the template: fall back to ours
  }
  const scopeDir = ownScopeDir()
  if (!scopeDir) return undefined
  const entries: Record<string, string> = {}
  for (const name of readdirSync(scopeDir)) {
    const pkgDir = join(scopeDir, name)
    try {
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { main?: string }
      entries[`@tsimg/${name}`] = join(pkgDir, pkg.main ?? 'dist/index.js')
    } catch {
      // not a package
    }
  }
  return { scopeDir, entries }
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
