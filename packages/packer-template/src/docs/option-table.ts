import { provisionerFields, sshFields } from '../plugins/common.js'
import { findMapping } from '../plugins/registry.js'
import { commonProvisionerShape, sshOptionsSchema } from '@tsimg/core/plugin'
import { docOf } from './option-docs.js'
import { isIgnored, isUnsupported, type FieldTable, type FieldType, type PluginKind, type PluginMapping } from '../plugins/table.js'

/**
 * The READMEs' option tables, written from the mapping tables themselves (`npm run docs`), so
 * what a README says a Packer option becomes is what the loader does with it.
 */

/** Which tables each package's README carries (paths from the repository root). */
export const README_TABLES: readonly { readonly readme: string; readonly tables: readonly Table[] }[] = [
  { readme: 'packages/builder-aws/README.md', tables: [{ kind: 'source', type: 'amazon-ebs' }] },
  { readme: 'packages/builder-alicloud/README.md', tables: [{ kind: 'source', type: 'alicloud-ecs' }] },
  { readme: 'packages/builder-huawei/README.md', tables: [{ kind: 'source', type: 'huaweicloud-ecs' }] },
  {
    readme: 'packages/builder-vsphere/README.md',
    tables: [
      { kind: 'source', type: 'vsphere-clone' },
      { kind: 'source', type: 'vsphere-iso' },
    ],
  },
  {
    readme: 'packages/builder-docker/README.md',
    tables: [
      { kind: 'source', type: 'docker' },
      { kind: 'post-processor', type: 'docker-tag' },
    ],
  },
  { readme: 'packages/provisioner-shell/README.md', tables: [{ kind: 'provisioner', type: 'shell' }] },
  { readme: 'packages/provisioner-file/README.md', tables: [{ kind: 'provisioner', type: 'file' }] },
  { readme: 'packages/provisioner-ansible/README.md', tables: [{ kind: 'provisioner', type: 'ansible' }] },
  { readme: 'packages/provisioner-goss/README.md', tables: [{ kind: 'provisioner', type: 'goss' }] },
  {
    readme: 'packages/core/README.md',
    tables: [
      { common: 'ssh' },
      { common: 'provisioner' },
      { kind: 'source', type: 'null' },
      { kind: 'provisioner', type: 'breakpoint' },
      { kind: 'provisioner', type: 'shell-local' },
      { kind: 'post-processor', type: 'shell-local' },
      { kind: 'post-processor', type: 'manifest' },
    ],
  },
]

export type Table = { readonly kind: PluginKind; readonly type: string } | { readonly common: 'ssh' | 'provisioner' }

export interface Row {
  readonly packer: string
  /** The tsimg option, or undefined when the mapping reads it itself or it has no option. */
  readonly tsimg?: string
  readonly type?: string
  readonly status: 'mapped' | 'ignored' | 'unsupported'
  readonly note?: string
}

const WORD: Readonly<Record<PluginKind, string>> = { source: 'builder', provisioner: 'provisioner', 'post-processor': 'post-processor' }

/** One row per Packer option of a table, a block's fields as `block.field`, in Packer's names' order. */
export function rows(
  fields: FieldTable,
  skip: (name: string, f: FieldTable[string]) => boolean = () => false,
  prefix = '',
  tsimgPrefix: string | null = '',
): Row[] {
  const out: Row[] = []
  for (const name of Object.keys(fields).sort()) {
    const f = fields[name]!
    if (skip(name, f)) continue
    const packer = `${prefix}${name}`
    if (isUnsupported(f)) out.push({ packer, status: 'unsupported', note: f.unsupported })
    else if (isIgnored(f)) out.push({ packer, status: 'ignored', note: f.ignored })
    else {
      // A pseudo-option (`__discard`) is read by the mapping itself; so are its block's fields.
      const own = f.option.startsWith('__') || tsimgPrefix === null ? null : `${tsimgPrefix}${f.option}`
      out.push({ packer, ...(own ? { tsimg: own } : {}), type: typeWord(f.type), status: 'mapped', ...(f.note ? { note: f.note } : {}) })
      if (typeof f.type === 'object')
        out.push(
          ...rows('object' in f.type ? f.type.object : f.type.list, undefined, `${packer}.`, own === null ? null : `${own}${'list' in f.type ? '[]' : ''}.`),
        )
    }
  }
  return out
}

function typeWord(t: FieldType): string {
  if (typeof t === 'object') return 'object' in t ? 'block' : 'blocks (repeatable)'
  return {
    strings: 'list(string)',
    ints: 'list(number)',
    map: 'map(string)',
    bool: 'bool',
    int: 'number (whole)',
    number: 'number',
    string: 'string',
    duration: 'duration',
    any: 'any',
  }[t]
}

/** Markdown-safe cell text. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function markdown(title: string, intro: string, list: readonly Row[], module: string): string {
  const lines = [
    `#### ${title}`,
    '',
    intro,
    '',
    '| Packer option | tsimg option | Type | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...list.map((r) => {
      const tsimg =
        r.status === 'unsupported' ? '**not supported**' : r.status === 'ignored' ? 'accepted, no effect' : r.tsimg ? `\`${r.tsimg}\`` : '(read by the loader)'
      // The option's own doc comment and schema default (from its plugin's source), then what the mapping adds.
      const doc = r.status === 'mapped' && r.tsimg ? docOf(module, r.tsimg, r.packer) : undefined
      const description = [doc?.text, r.note].filter(Boolean).join(' ')
      return `| \`${r.packer}\` | ${tsimg} | ${r.type ?? ''} | ${doc?.default !== undefined ? `\`${cell(doc.default)}\`` : ''} | ${cell(description)} |`
    }),
  ]
  return lines.join('\n')
}

/** The markdown table of one plugin, or of the options every builder or provisioner shares. */
export function renderTable(t: Table): string {
  if ('common' in t) {
    return t.common === 'ssh'
      ? markdown(
          'SSH communicator options (every builder)',
          "Packer's `communicator` options, which every builder table refers to.",
          rows(sshFields),
          '@tsimg/core',
        )
      : markdown(
          'Options every provisioner takes',
          "Packer's common provisioner options (`override` is read by the loader: each entry becomes a copy limited to its build).",
          rows(provisionerFields),
          '@tsimg/core',
        )
  }
  const m = findMapping(t.kind, t.type)
  if (!m) throw new Error(`no mapping for ${t.kind} ${t.type}`)
  const shared = t.kind === 'source' ? sshFields : t.kind === 'provisioner' ? provisionerFields : {}
  // The shared options are listed once (core's README); a builder's own reading of one is listed here.
  const own = rows(m.fields, (name, f) => shared[name] === f)
  const sharedNote =
    t.kind === 'source'
      ? ' Plus the SSH communicator options (`@tsimg/core` README) not listed here.'
      : t.kind === 'provisioner'
        ? ' Plus the options every provisioner takes (`@tsimg/core` README).'
        : ' `only`, `except` and `name` are read by the loader.'
  const intro = `Packer's \`${m.packerType}\` ${WORD[m.kind]} runs as \`${m.factory}\` from \`${m.module}\`: each option maps to the tsimg option named, is accepted because it changes nothing in tsimg, or is refused at its line with the reason given.${sharedNote}`
  const generated = m.generated?.length
    ? ` Build-time values it makes (for provisioners${m.late?.length ? ` and ${m.late.map((o) => `\`${o}\``).join(', ')}` : ''}): ${m.generated.map((g) => `\`${g}\``).join(', ')}.`
    : ''
  const env = (m.fromEnv ?? [])
    .map(
      (d) =>
        ` Without \`${d.option}\`${d.unless?.length ? ` (or ${d.unless.map((u) => `\`${u}\``).join(', ')})` : ''}, \`${d.variable}\` sets it when it is set: how an unchanged template is pointed at the local emulator.`,
    )
    .join('')
  return [markdown(`Packer ${WORD[m.kind]} \`${m.packerType}\``, intro + alternativeNote(m) + generated + env, own, m.module), tsimgOnly(m)]
    .filter(Boolean)
    .join('\n\n')
}

/** A zod schema's own parts, as far as the tables need them. */
interface SchemaLike {
  readonly def: { readonly type: string; readonly innerType?: SchemaLike }
  readonly shape?: Readonly<Record<string, SchemaLike>>
}

/** Each plugin package's option schemas (its exported zod objects), loaded once for the tables. */
const schemas = new Map<string, readonly SchemaLike[]>()
const mapped = README_TABLES.flatMap((r) => r.tables).flatMap((t) => ('common' in t ? [] : [findMapping(t.kind, t.type)?.module ?? '']))
// The core's plugins' schemas are internal (not in its entry points); its tables list what the mappings name.
for (const module of new Set(mapped.filter((m) => m && m !== '@tsimg/core'))) {
  const exported = Object.values((await import(module)) as Record<string, unknown>)
  schemas.set(
    module,
    exported.filter(
      (v): v is SchemaLike => typeof v === 'object' && v !== null && (v as SchemaLike).def?.type === 'object' && Boolean((v as SchemaLike).shape),
    ),
  )
}

/**
 * The plugin's own options that no Packer option above maps to (tsimg's additions, and options
 * a mapping fills from a block it reads itself), from the plugin's schema: the schema whose
 * options the mapping names most. The SSH and common provisioner options are core's table.
 */
function tsimgOnly(m: PluginMapping): string {
  const mapped = new Set(Object.values(m.fields).flatMap((f) => ('option' in f ? [f.option.split('.')[0]!] : [])))
  const schema = (schemas.get(m.module) ?? [])
    .map((sc) => ({ sc, hits: Object.keys(sc.shape!).filter((k) => mapped.has(k)).length }))
    .sort((a, b) => b.hits - a.hits)[0]
  if (!schema?.hits) return ''
  const shared = new Set([
    ...(m.kind === 'source' ? Object.keys(sshOptionsSchema.shape) : []),
    ...(m.kind === 'provisioner' ? Object.keys(commonProvisionerShape) : []),
    'name',
  ])
  const extra = Object.keys(schema.sc.shape!)
    .filter((k) => !mapped.has(k) && !shared.has(k))
    .sort()
  if (!extra.length) return ''
  return [
    `#### \`${m.factory}\` options no Packer option above maps to`,
    '',
    `Set them in an image.ts; a Packer template reaches them only where the Description names how.`,
    '',
    '| tsimg option | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...extra.map((k) => {
      const doc = docOf(m.module, k, '')
      const text = [doc?.packer ? `Packer: \`${doc.packer}\`.` : '', doc?.text ?? ''].filter(Boolean).join(' ')
      return `| \`${k}\` | ${zodTypeWord(schema.sc.shape![k]!)} | ${doc?.default !== undefined ? `\`${cell(doc.default)}\`` : ''} | ${cell(text)} |`
    }),
  ].join('\n')
}

function zodTypeWord(s: SchemaLike): string {
  let t = s
  while (['optional', 'default', 'nullable', 'prefault'].includes(t.def.type) && t.def.innerType) t = t.def.innerType
  return (
    (
      {
        string: 'string',
        number: 'number',
        boolean: 'bool',
        array: 'list',
        record: 'map',
        object: 'block',
        enum: 'string (one of)',
        literal: 'literal',
        union: 'one of several',
      } as Record<string, string>
    )[t.def.type] ?? t.def.type
  )
}

function alternativeNote(m: PluginMapping): string {
  return m.alternative
    ? ` With \`communicator = "none"\` it runs as \`${m.alternative.mapping.factory}\` from \`${m.alternative.mapping.module}\` instead (no machine; only local provisioners and post-processors).`
    : ''
}

const begin = (id: string) => `<!-- packer-options:${id}:begin (written by \`npm run docs\` from packages/packer-template/src/plugins: do not edit) -->`
const end = (id: string) => `<!-- packer-options:${id}:end -->`
const idOf = (t: Table) => ('common' in t ? `common-${t.common}` : `${t.kind}-${t.type}`)

/**
 * The README with its generated section replaced by what the mappings say now; a README
 * without one gets it appended under "Packer options".
 */
export function withTables(readme: string, tables: readonly Table[]): string {
  const id = tables.map(idOf).join('+')
  const body = [begin(id), '', ...tables.flatMap((t) => [renderTable(t), '']), end(id)].join('\n')
  const start = readme.indexOf(`<!-- packer-options:${id}:begin`)
  const stop = readme.indexOf(end(id))
  if (start >= 0 && stop > start) return readme.slice(0, start) + body + readme.slice(stop + end(id).length)
  return `${readme.replace(/\s*$/, '')}\n\n## Packer options\n\n${body}\n`
}
