import { isAbsolute, relative, resolve } from 'node:path'
import { SENTINEL } from './convert-code.js'

/**
 * tsimg options that name a local path. Packer resolves them from the working directory; an
 * image.ts resolves them from its own directory, so `tsimg convert -o` rewrites them for where
 * the image.ts is written.
 */
const PATH_OPTIONS = new Set([
  'script',
  'scripts',
  'playbookFile',
  'galaxyFile',
  'userDataFile',
  'sshPrivateKeyFile',
  'sshBastionPrivateKeyFile',
  'sshKnownHostsFile',
  'inventoryDirectory',
  'rolesPath',
  'collectionsPath',
])

/** A file provisioner's local side is `source(s)` on upload and `destination` on download; a manifest's is `output`. */
function localPathKeys(pluginKind: string, factory: string, options: Record<string, unknown>): Set<string> {
  const keys = new Set(PATH_OPTIONS)
  if (factory === 'file') {
    if (options.direction === 'download') keys.add('destination')
    else {
      keys.add('source')
      keys.add('sources')
    }
  }
  if (pluginKind === 'post-processor' && factory === 'manifest') keys.add('output')
  // The goss provisioner's files, read where they are (Packer uploads them).
  if (factory === 'goss') {
    keys.add('tests')
    keys.add('varsFile')
  }
  return keys
}

/** The options with every relative local path rewritten from `from` (the working directory) to `to` (the image.ts's directory). */
export function rebasePaths(options: Record<string, unknown>, pluginKind: string, factory: string, from: string, to: string): Record<string, unknown> {
  if (resolve(from) === resolve(to)) return options
  const keys = localPathKeys(pluginKind, factory, options)
  const one = (v: unknown): unknown => (typeof v === 'string' ? rebase(v, from, to) : Array.isArray(v) ? v.map(one) : v)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) {
    if (keys.has(k)) out[k] = one(v)
    else if (k === 'volumes' && typeof v === 'object' && v !== null && !Array.isArray(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([host, dest]) => [rebase(host, from, to), dest]))
    else out[k] = v
  }
  return out
}

function rebase(p: string, from: string, to: string): string {
  if (p === '' || isAbsolute(p)) return p
  // A trailing slash means "the directory's contents" to some options (goss tests): keep it.
  if (p.split(SENTINEL).length === 1) return (relative(to, resolve(from, p)) || '.') + (p.endsWith('/') && p !== '/' ? '/' : '')
  // A path computed from a variable: prefix the way back to the working directory when it starts with literal text.
  const lead = p.split(SENTINEL)[0]!
  if (lead === '' || lead.startsWith('/')) return p
  const back = relative(to, from)
  return back ? `${back}/${p}` : p
}
