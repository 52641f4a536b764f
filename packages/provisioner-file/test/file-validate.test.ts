import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TemplateError, type ValidateContext } from '@tsimg/core/plugin'
import { file } from '@tsimg/provisioner-file'

let dir: string
let vctx: ValidateContext
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-file-validate-'))
  await mkdir(join(dir, 'files'))
  await writeFile(join(dir, 'files/app.conf'), 'x=1\n')
  vctx = { templateDir: dir, templateFile: join(dir, 'image.ts'), path: 'provisioners[0]' }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function problem(opts: Parameters<typeof file>[0]): Promise<string> {
  const err = await Promise.resolve()
    .then(() => file(opts).validate!(vctx))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(err).toBeInstanceOf(TemplateError)
  return (err as TemplateError).message
}

describe('file validate', () => {
  it('accepts files, directories, content, downloads and generated sources', async () => {
    await file({ source: 'files/app.conf', destination: '/etc/app.conf' }).validate!(vctx)
    await file({ source: 'files/', destination: '/etc/app' }).validate!(vctx)
    await file({ sources: ['files', 'files/app.conf'], destination: '/opt/' }).validate!(vctx)
    await file({ content: 'hello', destination: '/etc/motd' }).validate!(vctx)
    await file({ source: '/var/log/remote.log', destination: 'out/', direction: 'download' }).validate!(vctx)
    await file({ source: 'made-later.tar', destination: '/tmp/', generated: true }).validate!(vctx)
  })

  it('names file and field for a missing source', async () => {
    expect(await problem({ source: 'files/missing.conf', destination: '/etc/' })).toBe(
      `${join(dir, 'image.ts')}: provisioners[0].source: cannot read files/missing.conf (ENOENT)`,
    )
    expect(await problem({ sources: ['files/app.conf', 'nope'], destination: '/etc/' })).toMatch(/provisioners\[0\]\.sources\[1\]: cannot read nope \(ENOENT\)/)
  })

  it('rejects bad combinations', async () => {
    expect(await problem({ destination: '/x' })).toMatch(/provisioners\[0\]\.source: one of source, sources or content is required/)
    expect(await problem({ source: 'files', content: 'x', destination: '/x' })).toMatch(/provisioners\[0\]\.content: only one of/)
    expect(await problem({ content: 'x', destination: '/etc/' })).toMatch(/provisioners\[0\]\.destination: with content/)
    expect(await problem({ content: 'x', destination: '/x', direction: 'download' })).toMatch(/provisioners\[0\]\.content/)
    expect(await problem({ sources: ['files', 'files/app.conf'], destination: '/opt' })).toMatch(
      /provisioners\[0\]\.destination: must be a directory ending in \//,
    )
    expect(await problem({ source: 'files', destination: '/x', direction: 'sideways' as never })).toMatch(/provisioners\[0\]\.direction/)
    expect(await problem({ source: 'files' } as never)).toMatch(/provisioners\[0\]\.destination/)
  })
})
