import { packerError } from './errors.js'
import { mapOptions } from './map-options.js'
import type { EvalSession, PackerPlugin } from './model.js'
import { field, type FieldTable } from './plugins/table.js'

/**
 * Data sources that find a source image. tsimg does not look them up while reading the
 * template: `source_ami = data.amazon-ami.x.id` becomes the amazon-ebs source's
 * `sourceAmiFilter`, which the builder resolves with the same DescribeImages query when it
 * runs (with the builder's own region and credentials). A new cloud adds its data source here.
 */
const DATA_SOURCES: Readonly<Record<string, { builder: string; option: string; filterOption: string; fields: FieldTable }>> = {
  'amazon-ami': {
    builder: 'amazon-ebs',
    option: 'sourceAmi',
    filterOption: 'sourceAmiFilter',
    fields: {
      filters: field('filters', 'any'),
      owners: field('owners', 'strings'),
      most_recent: field('mostRecent', 'bool'),
      // The lookup runs in the builder, with its own region and credentials.
      region: field('__ignored', 'string'),
      access_key: field('__ignored', 'string'),
      secret_key: field('__ignored', 'string'),
      token: field('__ignored', 'string'),
      profile: field('__ignored', 'string'),
      custom_endpoint_ec2: field('__ignored', 'string'),
    },
  },
}

const MARK = /\u0003data\.([\w-]+)\.([\w-]+)\.(\w+)\u0003/

export function isSupportedDataSource(type: string): boolean {
  return type in DATA_SOURCES
}

/** What `data.<type>.<name>` evaluates to: placeholders the source's mapping replaces. */
export function dataNames(data: readonly PackerPlugin[]): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {}
  for (const d of data) {
    const mark = (attr: string) => `\u0003data.${d.type}.${d.name}.${attr}\u0003`
    ;(out[d.type] ??= {})[d.name!] = { id: mark('id'), name: mark('name') }
  }
  return out
}

/** Replaces `source_ami = data.amazon-ami.x.id` by the filter; any other use is an error at its line. */
export function applyDataSources(
  options: Record<string, unknown>,
  p: PackerPlugin,
  data: readonly PackerPlugin[],
  session: EvalSession,
): Record<string, unknown> {
  const out = { ...options }
  for (const [k, v] of Object.entries(options)) {
    if (typeof v !== 'string' && !(typeof v === 'object' && v !== null)) continue
    const text = typeof v === 'string' ? v : JSON.stringify(v)
    const m = MARK.exec(text)
    if (!m) continue
    const [, type, name, attr] = m
    const spec = DATA_SOURCES[type!]!
    if (p.type !== spec.builder || k !== spec.option || attr !== 'id' || text !== m[0]) {
      throw packerError(
        { file: p.file, line: p.line },
        p.origin,
        `data.${type}.${name}.${attr} can only be used as ${spec.builder}'s source_ami (= data.${type}.${name}.id)`,
        'tsimg resolves the image in the builder, not while reading the template.',
      )
    }
    const d = data.find((x) => x.type === type && x.name === name)!
    const filter = mapOptions({ body: d.body, table: spec.fields, file: d.file, origin: d.origin, session })
    delete filter.__ignored
    delete out[k]
    out[spec.filterOption] = filter
  }
  return out
}
