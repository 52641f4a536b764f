import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TemplateError, errorMessage } from '../errors.js'

/**
 * Imports a template or var-file module and returns its default export. Plain JS is imported
 * natively first (fast, exact semantics); TypeScript and anything native import cannot read go
 * through jiti. Failures name the file and keep the cause.
 */
export async function importDefault(file: string): Promise<unknown> {
  const path = resolve(file)
  const ext = extname(path)
  try {
    await access(path, constants.R_OK)
  } catch (err) {
    throw new TemplateError('file not found or not readable', { file: path, cause: err, hint: 'Check the path (it is resolved against the current directory).' })
  }
  if (ext === '.json') return readJson(path)
  let mod: unknown
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
    try {
      mod = await import(pathToFileURL(path).href)
    } catch {
      // Native import fails on CommonJS/ESM mixes that jiti can still read.
      mod = await importWithJiti(path)
    }
  } else {
    mod = await importWithJiti(path)
  }
  const value = (mod as { default?: unknown } | null)?.default ?? mod
  return value
}

async function importWithJiti(path: string): Promise<unknown> {
  try {
    const { createJiti } = await import('jiti')
    // fsCache off: a template edited between runs must never be served stale.
    const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: true })
    return await jiti.import(path)
  } catch (err) {
    throw new TemplateError(`could not load: ${errorMessage(err).split('\n')[0]}`, {
      file: path,
      cause: err,
      hint: 'Check the file for syntax errors and that every imported package is installed (npm install).',
    })
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new TemplateError(`is not valid JSON: ${errorMessage(err)}`, { file: path, cause: err })
  }
}
