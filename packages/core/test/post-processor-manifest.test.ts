import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineTemplate, manifest, variable } from '@tsimg/core'
import { build, type ManifestFile } from '@tsimg/core/node'
import { touch } from './fixtures/templates/lib/touch-source.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-manifest-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('manifest post-processor', () => {
  it('never writes a sensitive variable into the manifest', async () => {
    const output = join(dir, 'manifest.json')
    const secret = 'glpat-Xf3kQ9vLm2TzR8wN4pYb'
    const template = defineTemplate({
      variables: { token: variable.string({ sensitive: true }) },
      build: ({ vars }) => ({
        sources: [touch({ name: 'a', dir })],
        postProcessors: [manifest({ output, customData: { deploy: `token=${vars.token}`, team: 'infra' } })],
      }),
    })
    const res = await build({ template, vars: { token: secret }, stateDir: join(dir, 'state'), typecheck: false })
    expect(res.builds[0]?.outcome).toBe('success')
    const text = await readFile(output, 'utf8')
    expect(text).not.toContain(secret)
    expect((JSON.parse(text) as ManifestFile).builds[0]?.custom_data).toEqual({ deploy: 'token=<sensitive>', team: 'infra' })
  })

  it("appends one entry per build per run in Packer's format, safe under parallel builds", async () => {
    const output = join(dir, 'out', 'packer-manifest.json')
    const template = {
      sources: ['a', 'b', 'c'].map((name) => touch({ name, dir, waitMs: 50 })),
      postProcessors: [manifest({ output, customData: { team: 'infra' } })],
    }
    const first = await build({ template, stateDir: join(dir, 'state') })
    const second = await build({ template, stateDir: join(dir, 'state'), only: ['b'] })
    const doc = JSON.parse(await readFile(output, 'utf8')) as ManifestFile

    expect(doc.builds).toHaveLength(4)
    expect(doc.last_run_uuid).toBe(second.runId)
    expect(
      doc.builds
        .filter((b) => b.packer_run_uuid === first.runId)
        .map((b) => b.name)
        .sort(),
    ).toEqual(['a', 'b', 'c'])
    const last = doc.builds[3]
    expect(last).toEqual({
      name: 'b',
      builder_type: 'touch',
      build_time: expect.any(Number),
      files: [{ name: join(dir, 'b.artifact'), size: 'artifact of touch.b\n'.length }],
      artifact_id: `file:${join(dir, 'b.artifact')}`,
      packer_run_uuid: second.runId,
      custom_data: { team: 'infra' },
    })
    expect(Math.abs((last?.build_time ?? 0) - Date.now() / 1000)).toBeLessThan(60)
  })

  it('stripPath keeps only file names; the output path is relative to the template directory', async () => {
    const template = { sources: [touch({ name: 'a', dir })], postProcessors: [manifest({ output: 'm.json', stripPath: true })] }
    await build({ template, cwd: dir, stateDir: join(dir, 'state') })
    const doc = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as ManifestFile
    expect(doc.builds[0]?.files).toEqual([{ name: 'a.artifact', size: expect.any(Number) }])
    expect(doc.builds[0]?.custom_data).toBeNull()
  })

  it("stripTime leaves build_time out of the entry, as Packer's strip_time does", async () => {
    const output = join(dir, 'manifest.json')
    const res = await build({
      template: { sources: [touch({ name: 'a', dir })], postProcessors: [manifest({ output, stripTime: true })] },
      stateDir: join(dir, 'state'),
    })
    expect(res.builds[0]?.outcome).toBe('success')
    const entry = (JSON.parse(await readFile(output, 'utf8')) as ManifestFile).builds[0]!
    expect(entry).toMatchObject({ name: 'a', builder_type: 'touch' })
    expect(entry).not.toHaveProperty('build_time')
  })

  it('refuses to overwrite a file that is not a manifest, failing the build', async () => {
    const output = join(dir, 'notes.json')
    await writeFile(output, 'my notes, not json')
    const res = await build({ template: { sources: [touch({ name: 'a', dir })], postProcessors: [manifest({ output })] }, stateDir: join(dir, 'state') })
    expect(res.builds[0]?.outcome).toBe('failed')
    expect(res.builds[0]?.error?.message).toContain('is not a manifest')
    expect(await readFile(output, 'utf8')).toBe('my notes, not json')
  })
})
