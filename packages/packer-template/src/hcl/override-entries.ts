import type { Node } from 'web-tree-sitter'
import { packerError } from '../errors.js'
import type { Attr } from '../model.js'
import type { Override } from '../override.js'
import { CONSTANTS, objectKey } from './eval.js'
import { lineOf, named } from './parse.js'

/**
 * A provisioner's `override = { web = { inline = [...] } }`: entries by source name, each an
 * object of options whose values stay expressions (they may use var. and local.) until the run.
 */
export function overrideEntries(a: Attr, file: string, origin: string): Override[] {
  const elems = objectElems(a.raw as Node)
  if (!elems)
    throw packerError(
      { file, line: a.line },
      `${origin}.override`,
      'must be written as an object of source names, e.g. override = { web = { inline = ["..."] } }',
      'tsimg reads override as written: an expression computing it (a local or a variable) is not supported.',
    )
  return elems.map(([k, v]) => {
    const key = constKey(k, file, origin)
    const options = objectElems(v)
    if (!options) throw packerError({ file, line: lineOf(v) }, `${origin}.override.${key}`, `must be an object of options, e.g. ${key} = { inline = ["..."] }`)
    return { key, line: lineOf(k), body: { attrs: options.map(([n, x]) => ({ name: constKey(n, file, origin), raw: x, line: lineOf(n) })), blocks: [] } }
  })
}

/** The key and value nodes of an object written in place (`{ a = 1 }`), or undefined for any other expression. */
function objectElems(expr: Node): [Node, Node][] | undefined {
  const coll = expr.type === 'expression' && named(expr).length === 1 ? named(expr)[0] : undefined
  const obj = coll?.type === 'collection_value' ? named(coll)[0] : undefined
  if (obj?.type !== 'object') return undefined
  return named(obj)
    .filter((e) => e.type === 'object_elem')
    .map((e) => [e.childForFieldName('key')!, e.childForFieldName('val')!])
}

function constKey(k: Node, file: string, origin: string): string {
  try {
    return objectKey(k, CONSTANTS)
  } catch (err) {
    throw packerError({ file, line: lineOf(k) }, `${origin}.override`, `a key must be a plain name or string (${(err as Error).message})`)
  }
}
