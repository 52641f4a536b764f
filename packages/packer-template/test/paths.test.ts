// Packer resolves a template's relative paths (scripts, file sources...) from the directory it
// runs in, so `packer build examples/x.json` from a repository's root finds `scripts/x.sh` there,
// and `packer validate .` in a folder of HCL files finds that folder's files. tsimg does the same,
// checked against Packer 1.6.6 on the same files; a converted image.ts keeps paths relative to itself.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync as tsimg } from './support/packer.js'

const root = mkdtempSync(join(tmpdir(), 'tsimg-paths-'))
const images: string[] = []
afterAll(() => {
  for (const i of images) execFileSync('docker', ['rmi', '-f', i], { stdio: 'ignore' })
  rmSync(root, { recursive: true, force: true })
})

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

describe('relative paths in Packer templates, as Packer resolves them', { timeout: 900_000 }, () => {
  // A repository: examples/local.json uses scripts/mark.sh, relative to the repository's root.
  const repo = join(root, 'repo')
  // Packer 1.6.6's shell-local runs the script where it is, so it must be executable.
  write(join(repo, 'scripts/mark.sh'), '#!/bin/sh\necho "made in $(basename "$PWD")" > made.txt\n')
  chmodSync(join(repo, 'scripts/mark.sh'), 0o755)
  write(
    join(repo, 'examples/local.json'),
    JSON.stringify(
      {
        builders: [{ type: 'null', communicator: 'none' }],
        provisioners: [{ type: 'shell-local', script: 'scripts/mark.sh' }],
      },
      null,
      2,
    ),
  )

  it('a JSON template run from the repository root finds scripts/... there; from its own folder neither Packer nor tsimg does', () => {
    expect(packer(['validate', 'examples/local.json'], repo).code).toBe(0)
    const ok = tsimg(['validate', 'examples/local.json'], repo)
    expect(ok.code, ok.out).toBe(0)
    const packerThere = packer(['validate', 'local.json'], join(repo, 'examples'))
    expect(packerThere.out).toContain("Bad script 'scripts/mark.sh'")
    const there = tsimg(['validate', 'local.json'], join(repo, 'examples'))
    expect(there.code).toBe(2)
    expect(there.out).toContain(`local.json:11: provisioners[0] (shell-local).script: cannot read script ${join(repo, 'examples/scripts/mark.sh')}`)
  })

  it('a JSON template built from the repository root runs scripts/... from there, in the working directory, as packer build does', () => {
    const p = packer(['build', 'examples/local.json'], repo)
    expect(p.code, p.out).toBe(0)
    const byPacker = readFileSync(join(repo, 'made.txt'), 'utf8')
    expect(byPacker).toBe('made in repo\n')
    rmSync(join(repo, 'made.txt'))
    const t = tsimg(['build', 'examples/local.json'], repo, { TSIMG_STATE_DIR: join(root, 'state') })
    expect(t.code, t.out).toBe(0)
    expect(readFileSync(join(repo, 'made.txt'), 'utf8')).toBe(byPacker)
    expect(existsSync(join(repo, 'examples/made.txt'))).toBe(false)
  })

  // A folder of HCL files with relative file sources, validated as `validate .` from inside it.
  const hcl = join(root, 'hcl')
  write(join(hcl, 'files/site/index.html'), '<p>site</p>\n')
  write(join(hcl, 'scripts/setup.sh'), 'set -e\necho "setup ran" > /etc/setup-ran\n')
  write(join(hcl, 'variables.pkr.hcl'), 'variable "tag" {\n  type    = string\n  default = "v1"\n}\n')
  write(
    join(hcl, 'build.pkr.hcl'),
    `source "docker" "web" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = true
}

build {
  sources = ["source.docker.web"]
  provisioner "file" {
    source      = "files/site"
    destination = "/srv"
  }
  provisioner "shell" {
    script = "scripts/setup.sh"
  }
  post-processor "docker-tag" {
    repository = "tsimg/paths-hcl-test"
    tags       = [var.tag]
  }
}
`,
  )

  it('`validate .` in a folder of HCL files finds its relative file sources; from the parent folder neither finds them', () => {
    expect(packer(['validate', '.'], hcl).code).toBe(0)
    const ok = tsimg(['validate', '.'], hcl)
    expect(ok.code, ok.out).toBe(0)
    expect(ok.out).toContain('The configuration is valid.')
    expect(packer(['validate', 'hcl'], root).out).toContain("Bad source 'files/site'")
    const parent = tsimg(['validate', 'hcl'], root)
    expect(parent.code).toBe(2)
    expect(parent.out).toContain('hcl/build.pkr.hcl:9: provisioner "file".source: cannot read files/site')
  })

  it('`build .` in that folder uploads the directory and runs the script into the image', () => {
    const t = tsimg(['build', '.'], hcl, { TSIMG_STATE_DIR: join(root, 'state') })
    images.push('tsimg/paths-hcl-test:v1')
    expect(t.code, t.out).toBe(0)
    const inImage = execFileSync('docker', ['run', '--rm', 'tsimg/paths-hcl-test:v1', 'cat', '/srv/site/index.html', '/etc/setup-ran'], { encoding: 'utf8' })
    expect(inImage).toBe('<p>site</p>\nsetup ran\n')
  })

  it('convert -o into another folder rewrites the paths for the image.ts, which validates from any directory', () => {
    const c = tsimg(['convert', 'examples/local.json', '-o', 'typed/image.ts'], repo)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(repo, 'typed/image.ts'), 'utf8')
    expect(ts).toContain("script: '../scripts/mark.sh'")
    expect(tsimg(['validate', 'typed/image.ts'], repo).code).toBe(0)
    const elsewhere = tsimg(['validate', join(repo, 'typed/image.ts')], root)
    expect(elsewhere.code, elsewhere.out).toBe(0)
  })
})
