import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { getNodeValue, parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser'
import { EvalError, packerError } from '../errors.js'
import { code } from '../functions.js'
import type { Body, Evaluator, PackerPlugin, PackerTemplate, PackerVariable } from '../model.js'
import { withOverrides } from '../override.js'
import type { PluginKind } from '../plugins/table.js'
import { renderGoTemplate } from './go-template.js'

const TOP = new Set([
  'description',
  'min_packer_version',
  'variables',
  'sensitive-variables',
  'builders',
  'provisioners',
  'post-processors',
  'error-cleanup-provisioner',
])

/** Reads a Packer JSON template (`packer build template.json`), keeping the line of every option. */
export async function loadJsonTemplate(path: string, file: string): Promise<PackerTemplate> {
  const text = await readFile(path, 'utf8')
  const errors: ParseError[] = []
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true })
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length
  if (errors.length || !root) throw packerError({ file, line: lineAt(errors[0]?.offset ?? 0) }, '', 'is not valid JSON')
  if (root.type !== 'object') throw packerError({ file, line: 1 }, '', 'a Packer JSON template is an object with "builders"')
  const props = properties(root)
  for (const [k, p] of props) {
    if (!TOP.has(k) && !k.startsWith('_'))
      throw packerError({ file, line: lineAt(p.offset) }, k, 'unknown template section', `Sections: ${[...TOP].join(', ')}`)
  }
  const at = (n: JsonNode) => lineAt(n.offset)
  const sensitive = new Set((props.get('sensitive-variables') ? getNodeValue(props.get('sensitive-variables')!) : []) as string[])

  const variables: PackerVariable[] = []
  const vnode = props.get('variables')
  if (vnode) {
    for (const [name, n] of properties(vnode)) {
      const v = getNodeValue(n) as unknown
      variables.push({
        name,
        file,
        kind: 'string',
        ...(v === null ? {} : { default: typeof v === 'string' ? v : JSON.stringify(v) }),
        sensitive: sensitive.has(name),
        line: at(n),
        validations: [],
      })
    }
  }

  const plugin = (n: JsonNode, kind: PluginKind, origin: string): PackerPlugin => {
    if (n.type === 'string' && kind === 'post-processor')
      return { kind, type: getNodeValue(n) as string, file, line: at(n), origin, body: { attrs: [], blocks: [] } }
    if (n.type !== 'object') throw packerError({ file, line: at(n) }, origin, 'must be an object with "type"')
    const p = properties(n)
    const type = p.get('type') ? (getNodeValue(p.get('type')!) as unknown) : undefined
    if (typeof type !== 'string') throw packerError({ file, line: at(n) }, origin, 'has no "type"')
    const name = p.get('name') ? String(getNodeValue(p.get('name')!)) : undefined
    const list = (k: string) => (p.get(k) ? (getNodeValue(p.get(k)!) as string[]) : undefined)
    const only = list('only')
    const except = list('except')
    return {
      kind,
      type,
      ...(name ? { name } : {}),
      file,
      line: at(n),
      origin: `${origin} (${type})`,
      body: body(n, lineAt),
      ...(only ? { only } : {}),
      ...(except ? { except } : {}),
    }
  }

  const sources = items(props.get('builders')).map((n, i) => plugin(n, 'source', `builders[${i}]`))
  if (sources.length === 0) throw packerError({ file, line: 1 }, 'builders', 'the template has no builders')
  const names = sources.map((s) => s.name ?? s.type)
  const provisioners = items(props.get('provisioners')).flatMap((n, i) => overridden(plugin(n, 'provisioner', `provisioners[${i}]`), n, names, lineAt))
  const ecpNode = props.get('error-cleanup-provisioner')
  const postProcessors = items(props.get('post-processors')).flatMap((n, i) =>
    n.type === 'array'
      ? items(n).map((m, j) => ({ ...plugin(m, 'post-processor', `post-processors[${i}][${j}]`), chain: i }))
      : [{ ...plugin(n, 'post-processor', `post-processors[${i}]`), chain: i }],
  )
  return {
    format: 'json',
    files: [file],
    templateDir: dirname(path),
    variables,
    locals: [],
    sources,
    provisioners,
    ...(ecpNode ? { errorCleanupProvisioner: plugin(ecpNode, 'provisioner', 'error-cleanup-provisioner') } : {}),
    postProcessors,
    data: [],
    notes: [],
    evaluator: jsonEvaluator(dirname(path)),
  }
}

/** Packer's `override`: the options it sets for each builder it names (a copy of the provisioner limited to that builder). */
function overridden(p: PackerPlugin, n: JsonNode, builders: string[], lineAt: (o: number) => number): PackerPlugin[] {
  const o = properties(n).get('override')
  const entries = o ? [...properties(o)].map(([key, changes]) => ({ key, line: lineAt(changes.offset), body: body(changes, lineAt) })) : []
  return withOverrides(
    p,
    entries,
    builders.map((b) => ({ build: b, key: b, names: [b] })),
    (e) => {
      throw packerError(
        { file: p.file, line: e.line },
        `${p.origin}.override.${e.key}`,
        `"${e.key}" is not a builder of this template`,
        `Builders: ${builders.join(', ')}`,
      )
    },
  )
}

function body(n: JsonNode, lineAt: (o: number) => number): Body {
  return { attrs: [...properties(n)].map(([name, v]) => ({ name, raw: getNodeValue(v) as unknown, line: lineAt(v.offset) })), blocks: [] }
}

function properties(n: JsonNode): Map<string, JsonNode> {
  const m = new Map<string, JsonNode>()
  if (n.type !== 'object') return m
  for (const p of n.children ?? []) {
    const [k, v] = p.children ?? []
    if (k && v && !String(k.value).startsWith('_')) m.set(String(k.value), v)
  }
  return m
}

function items(n: JsonNode | undefined): JsonNode[] {
  return n?.type === 'array' ? (n.children ?? []) : []
}

/** JSON values are evaluated by rendering every string through Packer's template functions. */
export function jsonEvaluator(templateDir: string): Evaluator {
  return {
    begin(ctx) {
      const userVars = ctx.mode === 'convert' ? Object.fromEntries(Object.keys(ctx.vars).map((k) => [k, code(`vars.${k}`)])) : ctx.vars
      const render = (v: unknown, source?: { type: string; name: string }): unknown => {
        if (typeof v === 'string')
          return renderGoTemplate(v, { ...ctx, ...(source ? { source } : {}), templateDir, userVars, inVariables: ctx.defaults ?? false })
        if (Array.isArray(v)) return v.map((x) => render(x, source))
        if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, source)]))
        return v
      }
      return {
        run: { mode: ctx.mode, env: ctx.env },
        value(raw, _file, line, source) {
          try {
            return render(raw, source)
          } catch (err) {
            if (err instanceof EvalError) throw new EvalError(err.message, err.hint, line)
            throw err
          }
        },
      }
    },
  }
}
