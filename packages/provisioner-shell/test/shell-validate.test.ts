import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TemplateError, type ValidateContext } from '@tsimg/core/plugin'
import { shell } from '@tsimg/provisioner-shell'

let dir: string
let vctx: ValidateContext
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-shell-validate-'))
  await mkdir(join(dir, 'scripts'))
  await writeFile(join(dir, 'scripts/a.sh'), 'echo a\n')
  vctx = { templateDir: dir, templateFile: join(dir, 'image.ts'), path: 'provisioners[1]' }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function problem(opts: Parameters<typeof shell>[0]): Promise<TemplateError> {
  const err = await Promise.resolve()
    .then(() => shell(opts).validate!(vctx))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(err).toBeInstanceOf(TemplateError)
  return err as TemplateError
}

describe('shell validate', () => {
  it('accepts inline, script and scripts', async () => {
    await shell({ inline: ['echo hi'] }).validate!(vctx)
    await shell({ script: 'scripts/a.sh' }).validate!(vctx)
    await shell({ scripts: ['scripts/a.sh', './scripts/a.sh'], environmentVars: ['A=1', 'B=x=y'], validExitCodes: [0, 3] }).validate!(vctx)
  })

  it('names file and field for an unreadable script', async () => {
    const err = await problem({ scripts: ['scripts/a.sh', 'scripts/missing.sh'] })
    expect(err.message).toBe(`${join(dir, 'image.ts')}: provisioners[1].scripts[1]: cannot read scripts/missing.sh (ENOENT)`)
    expect(err.field).toBe('provisioners[1].scripts[1]')
    expect(err.file).toBe(join(dir, 'image.ts'))
  })

  it('rejects a directory given as a script', async () => {
    expect((await problem({ script: 'scripts' })).message).toMatch(/provisioners\[1\]\.script: cannot read scripts \(EISDIR\)/)
  })

  it('requires exactly one of inline, script, scripts', async () => {
    expect((await problem({})).message).toMatch(/provisioners\[1\]\.inline: one of inline, script or scripts is required/)
    expect((await problem({ inline: ['x'], script: 'scripts/a.sh' })).message).toMatch(
      /provisioners\[1\]\.script: only one of inline, script or scripts may be set \(found inline, script\)/,
    )
  })

  it('rejects malformed options with the field named', async () => {
    expect((await problem({ inline: ['x'], environmentVars: ['NOEQUALS'] })).message).toMatch(/provisioners\[1\]\.environmentVars/)
    expect((await problem({ inline: ['x'], validExitCodes: [-1] })).message).toMatch(/provisioners\[1\]\.validExitCodes\[0\]/)
    expect((await problem({ inline: ['x'], startRetryTimeout: 'soon' })).message).toMatch(/provisioners\[1\]\.startRetryTimeout: expected a duration/)
    expect((await problem({ inline: ['x'], executeCommand: 'sudo sh' })).message).toMatch(/executeCommand: must contain \{\{\.Path\}\}/)
    expect((await problem({ inline: ['x'], executeCommand: '{{.Env}} {{.Path}}' })).message).toMatch(/only \{\{\.Vars\}\} and \{\{\.Path\}\}/)
    expect((await problem({ inline: ['x'], remoteFile: 'a/b.sh' })).message).toMatch(/remoteFile/)
    expect((await problem({ inline: [] })).message).toMatch(/provisioners\[1\]\.inline: must list at least one command/)
    expect((await problem({ inline: ['x'], inlne: true } as never)).message).toMatch(/provisioners\[1\]\.inlne: unknown option/)
  })
})
