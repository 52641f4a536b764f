import { createRequire } from 'node:module'
import type { Node, Parser as ParserType } from 'web-tree-sitter'

let parser: Promise<ParserType> | undefined
let ready: ParserType | undefined

/**
 * Parses HCL with tree-sitter-hcl (the grammar's WebAssembly build, no native code). Loaded on
 * first use only, so JSON templates and image.ts never pay for it. tree-sitter keeps every
 * block in the order written (which decides the order provisioners run in) and gives lines.
 */
export async function parseHcl(text: string): Promise<Node> {
  parser ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter')
    await Parser.init()
    const wasm = createRequire(import.meta.url).resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm')
    const p = new Parser()
    p.setLanguage(await Language.load(wasm))
    ready = p
    return p
  })()
  const tree = (await parser).parse(text)
  if (!tree) throw new Error('the HCL parser returned nothing')
  return tree.rootNode
}

/** Parses with the parser an HCL template already loaded (templatefile() evaluates synchronously). */
export function parseHclLoaded(text: string): Node {
  const tree = ready?.parse(text)
  if (!tree) throw new Error('the HCL parser is not loaded')
  return tree.rootNode
}

/** The first syntax error under a node: its line and the text there. */
export function firstSyntaxError(node: Node): { line: number; text: string } | undefined {
  if (!node.hasError) return undefined
  const stack: Node[] = [node]
  while (stack.length) {
    const n = stack.shift()!
    if (n.isError || n.isMissing) return { line: n.startPosition.row + 1, text: n.isMissing ? `missing ${n.type}` : n.text.slice(0, 40) }
    stack.unshift(...n.children.filter((c): c is Node => c !== null && c.hasError))
    if (n.isMissing) break
  }
  return { line: node.startPosition.row + 1, text: node.text.slice(0, 40) }
}

export const lineOf = (n: Node): number => n.startPosition.row + 1
export const named = (n: Node): Node[] => n.namedChildren.filter((c): c is Node => c !== null)
export const kids = (n: Node): Node[] => n.children.filter((c): c is Node => c !== null)
