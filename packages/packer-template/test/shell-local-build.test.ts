// Packer's shell-local provisioner runs on this machine between the provisioners around it:
// a file it writes is uploaded by the next provisioner into the image.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from '@tsimg/core'
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
    const r = await build({ templateFile: join(dir, 'local.pkr.hcl'), stateDir: join(dir, 'state') })
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
