// Every option of the current Packer plugins (the names of each plugin's generated HCL2 spec,
// test/fixtures/packer-options.json) is mapped, accepted with a reason, or refused with one.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { findMapping } from '../src/plugins/registry.js'
import { isIgnored, isUnsupported, type FieldTable, type PluginKind } from '../src/plugins/table.js'

interface PackerPluginOptions {
  kind: PluginKind
  type: string
  repo: string
  commit: string
  path: string
  options: string[]
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/packer-options.json', import.meta.url), 'utf8')) as { plugins: PackerPluginOptions[] }

/** What the mapping does with `a` or `a.b`: 'mapped', 'ignored', 'unsupported', or undefined when it does not know the name. */
function fate(table: FieldTable, name: string): string | undefined {
  const [head, ...rest] = name.split('.')
  const f = table[head!]
  if (!f) return undefined
  if (isUnsupported(f)) return f.unsupported ? 'unsupported' : undefined
  if (isIgnored(f)) return f.ignored ? 'ignored' : undefined
  if (!rest.length) return 'mapped'
  // A block's field: refused with the block is enough; a block of plain values passes them on.
  if (typeof f.type !== 'object') return f.type === 'any' || f.type === 'map' ? 'mapped' : undefined
  return fate('object' in f.type ? f.type.object : f.type.list, rest.join('.'))
}

describe('every option of the current Packer plugins is mapped, or accepted or refused with the reason', () => {
  it.each(fixture.plugins.map((p) => [`${p.kind} ${p.type} (${p.repo} ${p.path} @ ${p.commit.slice(0, 7)})`, p] as const))('%s', (_, p) => {
    const mapping = findMapping(p.kind, p.type)
    expect(mapping, `tsimg has no ${p.kind} ${p.type}`).toBeDefined()
    const unknown = p.options.filter((name) => !fate(mapping!.fields, name))
    expect(unknown, `options of Packer's ${p.type} the mapping does not name`).toEqual([])
  })

  it('the fixture holds the options users write most (a fixture that lost them would pass the test above for nothing)', () => {
    const names = (type: string) => fixture.plugins.find((p) => p.type === type)?.options ?? []
    expect(names('amazon-ebs')).toEqual(
      expect.arrayContaining(['ami_name', 'snapshot_users', 'source_ami_filter.owners', 'launch_block_device_mappings.volume_size']),
    )
    expect(names('huaweicloud-ecs')).toEqual(expect.arrayContaining(['image_type', 'data_disks.snapshot_id', 'ssh_ip_version']))
    expect(names('alicloud-ecs')).toEqual(expect.arrayContaining(['image_name', 'system_disk_mapping.disk_category']))
    expect(names('docker')).toEqual(expect.arrayContaining(['image', 'run_command', 'exec_user']))
    expect(fixture.plugins.reduce((n, p) => n + p.options.length, 0)).toBeGreaterThan(600)
  })
})
