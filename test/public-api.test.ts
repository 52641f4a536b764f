// Every package's public API is the names its entry points export by name: an entry file has no
// `export *`, what Node loads from an entry is exactly what the file names (no stray values),
// nothing outside the exports map can be imported, and the package README's "Public API"
// section names every one of them, so the documented API is the API.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const run = promisify(execFile)

interface Entry {
  readonly pkg: string
  readonly dir: string
  readonly specifier: string
  readonly source: string
}

function entries(): Entry[] {
  const out: Entry[] = []
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pj = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { types: string }> }
    for (const [sub, target] of Object.entries(pj.exports)) {
      const source = target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')
      out.push({ pkg: pj.name, dir, specifier: sub === '.' ? pj.name : `${pj.name}/${sub.slice(2)}`, source })
    }
  }
  return out
}

/** The names an entry file exports, each as a value or a type only. */
function exportedNames(text: string): Map<string, 'value' | 'type'> {
  const names = new Map<string, 'value' | 'type'>()
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  for (const m of code.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    for (const part of m[2]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const typeOnly = Boolean(m[1]) || part.startsWith('type ')
      const name = part
        .replace(/^type /, '')
        .split(/\s+as\s+/)
        .pop()!
      names.set(name, typeOnly ? 'type' : 'value')
    }
  }
  for (const m of code.matchAll(/^export (?:declare )?(?:async )?(function|const|let|class|enum|interface|type) (\w+)/gm)) {
    names.set(m[2]!, m[1] === 'interface' || m[1] === 'type' ? 'type' : 'value')
  }
  for (const m of code.matchAll(/^export \* as (\w+)/gm)) names.set(m[1]!, 'value')
  return names
}

/** The README's `## Public API` section, up to the next second-level heading. */
function apiSection(readme: string): string | undefined {
  const start = readme.search(/^## Public API\b/m)
  if (start < 0) return undefined
  const rest = readme.slice(start + 1)
  const next = rest.search(/^## /m)
  return next < 0 ? rest : rest.slice(0, next)
}

describe('public API', () => {
  const all = entries()

  it('lists at least one entry per package, three for the core', () => {
    expect(new Set(all.map((e) => e.pkg)).size).toBe(readdirSync(join(root, 'packages')).length)
    expect(all.filter((e) => e.pkg === '@tsimg/core').map((e) => e.specifier)).toEqual(['@tsimg/core', '@tsimg/core/node', '@tsimg/core/plugin'])
  })

  it.each(all.map((e) => [e.specifier, e] as const))('%s names every export (no export *), and Node loads exactly its value names', async (specifier, e) => {
    const text = readFileSync(join(root, 'packages', e.dir, e.source), 'utf8')
    expect(text.match(/^export (type )?\*(?! as )/gm) ?? []).toEqual([])
    const names = exportedNames(text)
    const loaded = Object.keys((await import(specifier)) as object).sort()
    const values = [...names]
      .filter(([, kind]) => kind === 'value')
      .map(([n]) => n)
      .sort()
    expect(loaded).toEqual(values)
  })

  it('refuses imports of files outside the exports map (in Node, as a user of the packages)', async () => {
    const tryImport = (spec: string) =>
      run(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(spec)}).then(() => console.log('loaded'), (e) => console.log(e.code))`], {
        cwd: root,
      })
    expect((await tryImport('@tsimg/core/dist/journal/journal.js')).stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
    expect((await tryImport('@tsimg/cloud-kit/dist/call.js')).stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
    expect((await tryImport('@tsimg/core/plugin')).stdout.trim()).toBe('loaded')
  })

  it.each(all.map((e) => [e.specifier, e] as const))("%s: the package README's Public API section names each of its exports", (specifier, e) => {
    const readme = readFileSync(join(root, 'packages', e.dir, 'README.md'), 'utf8')
    const section = apiSection(readme)
    expect(section, `packages/${e.dir}/README.md has no "## Public API" section`).toBeDefined()
    expect(section).toContain(`\`${specifier}\``)
    const names = [...exportedNames(readFileSync(join(root, 'packages', e.dir, e.source), 'utf8')).keys()]
    const missing = names.filter((n) => !new RegExp(`\`${n}\\b`).test(section!))
    expect(missing, `not named in packages/${e.dir}/README.md's Public API`).toEqual([])
  })
})
