import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { GossfileError } from './errors.js'
import type { LoadOptions } from './types.js'

/** Loads vars_file then vars_inline (inline wins per top-level key, as goss merges them). */
export async function loadVars(options: LoadOptions): Promise<Record<string, unknown>> {
  const vars: Record<string, unknown> = {}
  if (options.varsFile) {
    const f = resolve(options.varsFile)
    let text: string
    try {
      text = await readFile(f, 'utf8')
    } catch (err) {
      throw new GossfileError(f, 0, 'vars_file', `cannot read the vars file: ${(err as Error).message}`)
    }
    Object.assign(vars, parseVars(text, f, 'vars_file'))
  }
  if (options.varsInline !== undefined) {
    const inline = typeof options.varsInline === 'string' ? parseVars(options.varsInline, 'vars_inline', 'vars_inline') : options.varsInline
    Object.assign(vars, inline)
  }
  return vars
}

function parseVars(text: string, file: string, key: string): Record<string, unknown> {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, merge: true })
  const first = doc.errors[0]
  if (first) throw new GossfileError(file, lc.linePos(first.pos[0]).line, key, first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''))
  const v = doc.toJSON() as unknown
  if (v === null || v === undefined) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new GossfileError(file, 1, key, 'variables must be a map of names to values')
  return v as Record<string, unknown>
}
