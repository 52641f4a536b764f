import { constants } from 'node:fs'
import { access, readFile, stat } from 'node:fs/promises'
import { dirname, extname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TemplateError, errorMessage } from '../errors.js'
import { tsimgFallback } from './_resolve-tsimg.js'
import { cacheDir } from './_typecheck-cache.js'
import { transpiledFor } from './_transpiled.js'
import type { TransformOptions } from 'jiti'

/**
 * Imports a template or var-file module and returns its default export. Plain JS is imported
 * natively first (fast, exact semantics); TypeScript and anything native import cannot read go
 * through jiti. Failures name the file and keep the cause.
 */
/** What a Packer template's loader is told of the run: the selection, and whether it is inspect. */
export interface PackerLoadRun {
  readonly only?: readonly string[]
  readonly except?: readonly string[]
  readonly inspecting?: boolean
}

export async function importDefault(file: string, shownAs = file, run: PackerLoadRun = {}): Promise<unknown> {
  const path = resolve(file)
  const ext = extname(path)
  await assertReadable(path, shownAs)
  const packer = await packerKind(path)
  if (packer) return loadPacker(path, shownAs, packer, run)
  if (ext === '.json') return readJson(path, shownAs)
  let mod: unknown
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
    try {
      mod = await import(pathToFileURL(path).href)
    } catch (err) {
      // Native import fails on CommonJS/ESM mixes that jiti can still read; other errors are the file's own.
      if (!(err instanceof SyntaxError) && !String((err as { code?: unknown }).code ?? '').startsWith('ERR_REQUIRE')) throw loadError(err, shownAs)
      mod = await importWithJiti(path, shownAs)
    }
  } else {
    mod = await importWithJiti(path, shownAs)
  }
  if (typeof mod !== 'object' || mod === null || !Object.prototype.hasOwnProperty.call(mod, 'default')) {
    const named = typeof mod === 'object' && mod !== null ? Object.keys(mod) : []
    throw new TemplateError('has no default export', {
      file: shownAs,
      hint: `Write \`export default defineTemplate({ ... })\`${named.length ? ` (it exports: ${named.join(', ')})` : ''}.`,
    })
  }
  return (mod as { default: unknown }).default
}

/**
 * Packer templates (`*.pkr.hcl`, `*.pkr.json`, a directory of them, JSON with "builders") and
 * `.pkrvars.hcl` var-files are read by @tsimg/packer-template, imported only for them so an
 * image.ts never loads it. It is not a dependency of the core (it depends on the core).
 */
async function packerKind(path: string): Promise<'template' | 'vars' | undefined> {
  if (path.endsWith('.pkrvars.hcl')) return 'vars'
  if (/\.pkr\.(hcl|json)$/.test(path) || (await stat(path)).isDirectory()) return 'template'
  if (!path.endsWith('.json')) return undefined
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown
    return typeof v === 'object' && v !== null && 'builders' in v ? 'template' : undefined
  } catch {
    return undefined
  }
}

async function loadPacker(path: string, shownAs: string, kind: 'template' | 'vars', run: PackerLoadRun): Promise<unknown> {
  const name = '@tsimg/packer-template'
  let mod: { loadPackerTemplate(p: string, s: string, o: { run: PackerLoadRun }): Promise<unknown>; loadPkrVars(p: string, s: string): Promise<unknown> }
  try {
    mod = (await import(name)) as typeof mod
  } catch (err) {
    throw new TemplateError('is a Packer template, and @tsimg/packer-template is not installed', {
      file: shownAs,
      cause: err,
      hint: 'npm install @tsimg/packer-template',
    })
  }
  return kind === 'vars' ? mod.loadPkrVars(path, shownAs) : mod.loadPackerTemplate(path, shownAs, { run })
}

async function importWithJiti(path: string, shownAs: string): Promise<unknown> {
  try {
    const { createJiti } = await import('jiti')
    // jiti's file cache is keyed by a hash of each file's source (an edited template is a miss,
    // never stale); a hit skips loading Babel and transpiling, about 0.35 s of every run. A miss
    // for a file the type-check just compiled takes the compiler's JavaScript (_transpiled.ts);
    // any other goes through jiti's Babel, loaded only then.
    const fallback = tsimgFallback(dirname(path))
    let babel: { transform(o: TransformOptions): string } | undefined
    const jiti = createJiti(import.meta.url, {
      fsCache: join(cacheDir(), 'jiti'),
      moduleCache: false,
      interopDefault: true,
      transform: (o) => {
        const code = o.filename && o.async ? transpiledFor(resolve(o.filename), o.source) : undefined
        if (code !== undefined) return { code }
        babel ??= createJiti(import.meta.url, { fsCache: false, moduleCache: false })
        return { code: babel.transform(o) }
      },
      ...(fallback ? { alias: fallback.entries } : {}),
    })
    return await jiti.import(path)
  } catch (err) {
    throw loadError(err, shownAs)
  }
}

function loadError(err: unknown, shownAs: string): TemplateError {
  // A plugin factory that rejects its options at import time already says what is wrong.
  if (err instanceof Error && err.name === 'TemplateError') return err as TemplateError
  return new TemplateError(`could not load: ${loadMessage(err)}`, {
    file: shownAs,
    cause: err,
    hint: 'Check the file for syntax errors and that every imported package is installed (npm install).',
  })
}

async function readJson(path: string, shownAs: string): Promise<unknown> {
  const text = await readFile(path, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new TemplateError(`is not valid JSON: ${errorMessage(err)}`, { file: shownAs, cause: err })
  }
}

/** jiti's parse errors end with `file:line:col` on a later line; keep that, drop the stack. */
function loadMessage(err: unknown): string {
  const lines = errorMessage(err)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const where = lines.slice(1).find((l) => /:\d+:\d+$/.test(l))
  return where ? `${lines[0]} (at ${where})` : (lines[0] ?? 'unknown error')
}

/** A path as shown in messages: relative to cwd when inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') ? rel : path
}

export async function assertReadable(path: string, shownAs: string): Promise<void> {
  try {
    await access(path, constants.R_OK)
  } catch (err) {
    throw new TemplateError('file not found or not readable', {
      file: shownAs,
      cause: err,
      hint: 'Check the path (it is resolved against the current directory).',
    })
  }
}
