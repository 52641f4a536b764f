import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TemplateError, type ValidateContext } from '@tsimg/core/plugin'
import { ansible, type AnsibleOptions } from '@tsimg/provisioner-ansible'

let dir: string
let vctx: ValidateContext
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-ansible-validate-'))
  await writeFile(join(dir, 'play.yml'), '- hosts: all\n  tasks: []\n')
  vctx = { templateDir: dir, templateFile: join(dir, 'image.ts'), path: 'provisioners[2]' }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function problem(opts: AnsibleOptions): Promise<TemplateError> {
  const err = await Promise.resolve()
    .then(() => ansible(opts).validate!(vctx))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(err).toBeInstanceOf(TemplateError)
  return err as TemplateError
}

describe('ansible validate', () => {
  it('accepts a readable playbook when ansible-playbook runs here', async () => {
    await ansible({ playbookFile: 'play.yml', groups: ['a', 'b'], extraArguments: ['-v'], ansibleEnvVars: ['A=1'] }).validate!(vctx)
  })

  it('names file and field for a missing playbook, galaxy file or inventory directory', async () => {
    const err = await problem({ playbookFile: 'missing.yml' })
    expect(err.message).toBe(`${join(dir, 'image.ts')}: provisioners[2].playbookFile: cannot read missing.yml (ENOENT)`)
    expect(err.field).toBe('provisioners[2].playbookFile')
    expect((await problem({ playbookFile: '.' })).message).toMatch(/provisioners\[2\]\.playbookFile: \. must be a file$/)
    expect((await problem({ playbookFile: 'play.yml', galaxyFile: 'req.yml' })).message).toMatch(
      /provisioners\[2\]\.galaxyFile: cannot read req\.yml \(ENOENT\)/,
    )
    expect((await problem({ playbookFile: 'play.yml', inventoryDirectory: 'play.yml' })).message).toMatch(
      /provisioners\[2\]\.inventoryDirectory: play\.yml must be a directory/,
    )
  })

  it('says how to install ansible when ansible-playbook is missing, unless skipVersionCheck', async () => {
    const err = await problem({ playbookFile: 'play.yml', command: 'ansible-playbook-not-installed' })
    expect(err.message).toMatch(
      /provisioners\[2\]\.command: ansible-playbook-not-installed was not found on PATH\. Install Ansible on this machine \(Debian\/Ubuntu: `sudo apt-get install ansible`/,
    )
    await ansible({ playbookFile: 'play.yml', command: 'ansible-playbook-not-installed', skipVersionCheck: true }).validate!(vctx)
  })

  it('rejects unknown and malformed options with the field named', async () => {
    expect((await problem({ playbookFile: 'play.yml', playbook_file: 'x' } as never)).message).toMatch(/provisioners\[2\]\.playbook_file: unknown option$/)
    expect((await problem({} as never)).message).toMatch(/provisioners\[2\]\.playbookFile: is required/)
    expect((await problem({ playbookFile: 'play.yml', localPort: 70000 })).message).toMatch(/provisioners\[2\]\.localPort/)
    expect((await problem({ playbookFile: 'play.yml', groups: ['bad group'] })).message).toMatch(/provisioners\[2\]\.groups\[0\]: expected a group name/)
    expect((await problem({ playbookFile: 'play.yml', ansibleEnvVars: ['NOEQUALS'] })).message).toMatch(/provisioners\[2\]\.ansibleEnvVars/)
    expect((await problem({ playbookFile: 'play.yml', inventoryFileTemplate: '{{ range .X }}' })).message).toMatch(
      /inventoryFileTemplate: only \{\{ \.Name \}\} placeholders/,
    )
    expect((await problem({ playbookFile: 'play.yml', only: ['a'], except: ['b'] })).message).toMatch(/only one of only or except/)
  })
})
