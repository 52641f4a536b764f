// The option tables in the packages' READMEs are written from the mappings (`npm run docs`):
// a committed table that no longer says what the mapping does fails here.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { README_TABLES, renderTable, rows, withTables } from '../src/docs/option-table.js'
import { findMapping } from '../src/plugins/registry.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe('README option tables', () => {
  it.each(README_TABLES.map((r) => [r.readme, r] as const))('%s holds the tables the mappings write now (else: npm run docs)', (_, { readme, tables }) => {
    const text = readFileSync(`${root}${readme}`, 'utf8')
    expect(withTables(text, tables), `${readme} is stale: run npm run docs`).toBe(text)
  })

  it('a table row says what the loader does: the tsimg option, the reason for a refused or an ignored option', () => {
    const ebs = renderTable({ kind: 'source', type: 'amazon-ebs' })
    expect(ebs).toContain("| `snapshot_users` | `snapshotUsers` | list(string) | `[]` | account ids allowed to create volumes from the AMI's snapshots. |")
    expect(ebs).toContain('| `launch_block_device_mappings.volume_size` | `launchBlockDeviceMappings[].volumeSize` | number (whole) |  | (GiB) |')
    expect(ebs).toMatch(/\| `spot_price` \| \*\*not supported\*\* \| {2}\| {2}\| spot instances are not supported yet/)
    expect(ebs).toMatch(/\| `skip_profile_validation` \| accepted, no effect \| {2}\| {2}\| tsimg does not look up iam_instance_profile/)
    // The SSH options every builder shares are in core's table, not repeated per builder...
    expect(ebs).not.toContain('`ssh_bastion_host`')
    expect(renderTable({ common: 'ssh' })).toContain(
      '| `ssh_bastion_host` | `sshBastionHost` | string |  | Reach the machine through this bastion (jump) host.',
    )
    // ...but a builder's own reading of one is in its table.
    expect(renderTable({ kind: 'source', type: 'null' })).toMatch(/\| `ssh_host` \| `host` \| string \| {2}\|/)
  })

  it("a row's default and description are the option's schema default and doc comment in its plugin's source", () => {
    const source = readFileSync(`${root}packages/builder-aws/src/options.ts`, 'utf8')
    // The comment and the default as the source writes them today, so this test follows an edit of either.
    const comment = /\/\*\* Packer: `max_retries`: ([^*]*?)\s*\*\/\s*maxRetries: [^\n]*\.default\((\d+)\)/.exec(source.replace(/\n\s*\* /g, ' '))
    expect(comment, 'builder-aws options.ts documents maxRetries with a default').not.toBeNull()
    const row = renderTable({ kind: 'source', type: 'amazon-ebs' })
      .split('\n')
      .find((l) => l.startsWith('| `max_retries` |'))
    expect(row).toBe(`| \`max_retries\` | \`maxRetries\` | number (whole) | \`${comment![2]}\` | ${comment![1]!.replace(/\s+/g, ' ')} |`)
  })

  it('no Markdown file holds an option table outside the generated blocks (every option table is written by npm run docs)', () => {
    const files = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean)
    const handWritten: string[] = []
    for (const file of files) {
      const lines = readFileSync(`${root}${file}`, 'utf8').split('\n')
      let generated = false
      let optionTable = false
      lines.forEach((line, i) => {
        if (/<!-- packer-options:\S+:begin/.test(line)) generated = true
        if (/<!-- packer-options:\S+:end -->/.test(line)) generated = false
        if (!line.startsWith('|')) {
          optionTable = false
          return
        }
        // A table's header row: an option table names an option column (`option`, `Packer option`, `tsimg option`).
        if (i === 0 || !lines[i - 1]!.startsWith('|')) optionTable = line.split('|').some((c) => /\boption\b/i.test(c))
        if (optionTable && !generated) handWritten.push(`${file}:${i + 1}`)
      })
    }
    expect(handWritten).toEqual([])
  })

  it('every generated block in any Markdown file is one npm run docs writes (no orphaned block left to go stale)', () => {
    const files = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean)
    const written = new Set(README_TABLES.map((r) => `${r.readme} ${withTables('', r.tables).match(/packer-options:(\S+):begin/)![1]}`))
    const found = files.flatMap((f) => [...readFileSync(`${root}${f}`, 'utf8').matchAll(/packer-options:(\S+):begin/g)].map((m) => `${f} ${m[1]}`))
    expect(found.filter((b) => !written.has(b))).toEqual([])
  })

  it('every option of every mapped plugin appears in some README table', () => {
    const all = README_TABLES.flatMap((r) => r.tables)
      .map(renderTable)
      .join('\n')
    const plugins = README_TABLES.flatMap((r) => r.tables).flatMap((t) => ('common' in t ? [] : [findMapping(t.kind, t.type)!]))
    for (const m of plugins) for (const r of rows(m.fields)) expect(all, `${m.packerType}.${r.packer}`).toContain(`| \`${r.packer}\` |`)
  })
})
