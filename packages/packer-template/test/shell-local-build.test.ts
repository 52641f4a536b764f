// Packer's shell-local provisioner runs on this machine between the provisioners around it:
// a file it writes is uploaded by the next provisioner into the image.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TemplateError, build, validate } from '@tsimg/core/node'
import { convertTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-shell-local-'))
const image = 'tsimg/packer-shell-local-test:v1'
afterAll(() => {
  execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' })
  rmSync(dir, { recursive: true, force: true })
})

const template = `source "docker" "web" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = true
}

build {
  sources = ["source.docker.web"]
  provisioner "shell" {
    inline = ["echo remote-first > /etc/order"]
  }
  provisioner "shell-local" {
    inline           = ["echo \\"local $PACKER_BUILD_NAME $PACKER_BUILDER_TYPE $GREETING\\" > made-locally.txt"]
    environment_vars = ["GREETING=hello"]
  }
  provisioner "file" {
    source      = "made-locally.txt"
    destination = "/etc/made-locally"
    generated   = true
  }
  post-processor "docker-tag" {
    repository = "tsimg/packer-shell-local-test"
    tags       = ["v1"]
  }
}
`

describe('Packer shell-local provisioner', { timeout: 900_000 }, () => {
  it('runs locally in provisioner order, with the build names in its environment; the next provisioner uploads what it wrote', async () => {
    writeFileSync(join(dir, 'local.pkr.hcl'), template)
    const r = await build({ templateFile: join(dir, 'local.pkr.hcl'), stateDir: join(dir, 'state'), cwd: dir })
    expect(r.builds.map((b) => [b.outcome, b.error?.message])).toEqual([['success', undefined]])
    const inImage = execFileSync('docker', ['run', '--rm', image, 'cat', '/etc/order', '/etc/made-locally'], { encoding: 'utf8' })
    expect(inImage).toBe('remote-first\nlocal web docker hello\n')
  })

  it('tsimg convert writes it as shellLocalProvisioner from @tsimg/core, in its place', async () => {
    const ts = await convertTemplate(join(dir, 'local.pkr.hcl'), 'local.pkr.hcl', { cwd: dir })
    expect(ts).toContain("import { defineTemplate, shellLocalProvisioner } from '@tsimg/core'")
    const at = ts.indexOf('shellLocalProvisioner({ inline: [')
    expect(at).toBeGreaterThan(ts.indexOf("shell({ inline: ['echo remote-first > /etc/order'] })"))
    expect(at).toBeLessThan(ts.indexOf("file({ source: 'made-locally.txt'"))
    expect(ts).toContain("environmentVars: ['GREETING=hello']")
  })
})

const local = (provisioner: string, extra = '') => `source "null" "check" {
  communicator = "none"
${extra}}

build {
  sources = ["source.null.check"]
  ${provisioner}
  post-processor "shell-local" {
    inline = ["echo \\"post $PACKER_BUILD_NAME\\" >> local-run.txt"]
  }
  post-processor "manifest" {
    output = "null-manifest.json"
  }
}
`

describe('Packer null builder with communicator "none"', () => {
  it('runs the local provisioners and post-processors, with no machine, and its artifact says nothing was exported', async () => {
    writeFileSync(
      join(dir, 'none.pkr.hcl'),
      local('provisioner "shell-local" {\n    inline = ["echo \\"provisioned $PACKER_BUILD_NAME $PACKER_BUILDER_TYPE\\" > local-run.txt"]\n  }'),
    )
    const r = await build({ templateFile: join(dir, 'none.pkr.hcl'), stateDir: join(dir, 'state'), cwd: dir })
    expect(r.builds.map((b) => [b.name, b.outcome, b.error?.message])).toEqual([['null.check', 'success', undefined]])
    expect(readFileSync(join(dir, 'local-run.txt'), 'utf8')).toBe('provisioned check null\npost check\n')
    expect(r.builds[0]!.artifacts[0]).toMatchObject({ builderType: 'null', id: 'null', description: 'Did not export anything. This is the null builder' })
    const manifest = JSON.parse(readFileSync(join(dir, 'null-manifest.json'), 'utf8')) as { builds: { name: string; builder_type: string }[] }
    expect(manifest.builds.map((b) => [b.name, b.builder_type])).toEqual([['check', 'null']])
    const ts = await convertTemplate(join(dir, 'none.pkr.hcl'), 'none.pkr.hcl', { cwd: dir })
    expect(ts).toContain("nullSource({ name: 'check' })")
  })

  it('refuses, before running any, a provisioner that needs the machine, naming it', async () => {
    writeFileSync(
      join(dir, 'remote.pkr.hcl'),
      local('provisioner "shell-local" {\n    inline = ["touch must-not-run.txt"]\n  }\n  provisioner "shell" {\n    inline = ["true"]\n  }'),
    )
    const r = await build({ templateFile: join(dir, 'remote.pkr.hcl'), stateDir: join(dir, 'state'), cwd: dir })
    expect(r.builds[0]!.outcome).toBe('failed')
    expect(r.builds[0]!.error?.message).toContain('Cannot provision: shell (inline) needs a connection to the machine, and this build has none')
    expect(() => readFileSync(join(dir, 'must-not-run.txt'))).toThrow()
  })

  it('an SSH option beside communicator "none" is an error naming the file and the line', async () => {
    writeFileSync(join(dir, 'ssh-none.pkr.hcl'), local('', '  ssh_host = "10.0.0.5"\n'))
    const err = await validate({ templateFile: join(dir, 'ssh-none.pkr.hcl'), cwd: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/ssh-none\.pkr\.hcl:1: .*with communicator "none" there is no connection, so ssh_host cannot apply/)
  })
})
