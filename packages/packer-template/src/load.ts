import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { timestamp, type TemplateDefinition } from '@tsimg/core'
import { TemplateError, VAR_FILE_LINES } from '@tsimg/core/plugin'
import { toDefinition } from './assemble.js'
import { loadJsonTemplate } from './json/load-json.js'
import type { PackerTemplate } from './model.js'

export interface LoadOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** The run's -only/-except and inspect: the builders it leaves out are not looked up (as Packer). */
  readonly run?: { readonly only?: readonly string[]; readonly except?: readonly string[]; readonly inspecting?: boolean }
}

/** Reads a Packer template (JSON, HCL2 file, or a directory of HCL2 files) into tsimg's model. */
export async function readPackerTemplate(path: string, shownAs: string, opts: LoadOptions = {}): Promise<PackerTemplate> {
  const cwd = opts.cwd ?? process.cwd()
  const show = (p: string) => {
    const r = relative(cwd, p)
    return r && !r.startsWith('..') ? r : p
  }
  if ((await stat(path)).isDirectory()) {
    // Packer reads every *.pkr.hcl and *.pkr.json of the directory, in lexical order.
    const names = (await readdir(path)).filter((n) => n.endsWith('.pkr.hcl') || n.endsWith('.pkr.json')).sort()
    if (names.length === 0) throw new TemplateError('the directory holds no *.pkr.hcl or *.pkr.json file', { file: shownAs })
    const { loadHclTemplate } = await import('./hcl/load-hcl.js')
    const t = await loadHclTemplate(
      names.map((n) => ({ path: join(path, n), file: show(join(path, n)) })),
      path,
    )
    return withAutoVars(t, path, show)
  }
  if (path.endsWith('.pkr.hcl') || path.endsWith('.pkr.json')) {
    const { loadHclTemplate } = await import('./hcl/load-hcl.js')
    const { dirname } = await import('node:path')
    return loadHclTemplate([{ path, file: shownAs }], dirname(path))
  }
  return loadJsonTemplate(path, shownAs)
}

/**
 * `*.auto.pkrvars.hcl` files of a template directory, in lexical order. A build reads them as
 * Packer does, after PKR_VAR_ and before -var-file and -var (core's autoVarFiles); convert
 * writes their values as the defaults.
 */
async function withAutoVars(t: PackerTemplate, dir: string, show: (p: string) => string): Promise<PackerTemplate> {
  const files = (await readdir(dir)).filter((n) => n.endsWith('.auto.pkrvars.hcl')).sort()
  if (files.length === 0) return t
  const auto = new Map<string, { value: unknown; file: string }>()
  for (const f of files) {
    for (const [k, value] of Object.entries(await loadPkrVars(join(dir, f), show(join(dir, f))))) auto.set(k, { value, file: show(join(dir, f)) })
  }
  for (const k of auto.keys()) {
    if (!t.variables.some((v) => v.name === k)) throw new TemplateError(`sets "${k}", which the template does not declare`, { file: auto.get(k)!.file })
  }
  return { ...t, autoVarFiles: files.map((f) => join(dir, f)), variables: t.variables.map((v) => (auto.has(v.name) ? { ...v, auto: auto.get(v.name)! } : v)) }
}

/** What `tsimg build|validate|inspect` gets for a Packer template: the same shape an image.ts default-exports. */
export async function loadPackerTemplate(path: string, shownAs: string, opts: LoadOptions = {}): Promise<TemplateDefinition> {
  const t = await readPackerTemplate(path, shownAs, opts)
  for (const n of t.notes) process.stderr.write(`Note: ${n}\n`)
  return toDefinition(t, { cwd: opts.cwd ?? process.cwd(), env: opts.env ?? process.env, timestamp: timestamp(), ...(opts.run ? { select: opts.run } : {}) })
}

/** A `.pkrvars.hcl` var-file: its attributes, evaluated (constants and functions only). */
export async function loadPkrVars(path: string, shownAs: string): Promise<Record<string, unknown>> {
  const { parseHcl, named, firstSyntaxError, lineOf } = await import('./hcl/parse.js')
  const { evaluate } = await import('./hcl/eval.js')
  const root = await parseHcl(await readFile(path, 'utf8'))
  const bad = firstSyntaxError(root)
  if (bad) throw new TemplateError(`HCL syntax error near "${bad.text}"`, { file: `${shownAs}:${bad.line}` })
  const out: Record<string, unknown> = {}
  // Each name's line, so a value that does not fit its variable's type is reported at file:line.
  const lines: Record<string, number> = {}
  Object.defineProperty(out, VAR_FILE_LINES, { value: lines, enumerable: false })
  for (const c of named(named(root).find((n) => n.type === 'body') ?? root)) {
    if (c.type === 'comment') continue
    if (c.type !== 'attribute') throw new TemplateError('a var-file holds only name = value lines', { file: `${shownAs}:${lineOf(c)}` })
    const [id, expr] = named(c)
    try {
      out[id!.text] = evaluate(expr!, { names: {}, functions: {}, buildValue: () => undefined })
      lines[id!.text] = lineOf(c)
    } catch (err) {
      throw new TemplateError(`${(err as Error).message}`, { file: `${shownAs}:${lineOf(c)}`, field: id!.text })
    }
  }
  return out
}
