import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, validate } from '@tsimg/core/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { convertTemplate } from '../src/convert.js'

// An HCL2 template with `provisioner "goss"` on a docker source: it validates, builds with the
// goss checks run on the build container, and `tsimg convert` writes goss({...}) from
// @tsimg/provisioner-goss, which type-checks and validates as an image.ts.

let dir: string
let stateDir: string

const HCL = `
source "docker" "goss" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = false
}

build {
  sources = ["source.docker.goss"]

  provisioner "shell" {
    inline = ["mkdir -p /etc/app", "echo 'port=8080' > /etc/app/conf"]
  }

  provisioner "goss" {
    tests       = ["goss/"]
    vars_file   = "goss/vars.yaml"
    vars_inline = { owner = "root" }
    version     = "0.4.9"
  }
}
`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-hcl-'))
  stateDir = join(dir, 'state')
  await mkdir(join(dir, 'goss'))
  await writeFile(join(dir, 'template.pkr.hcl'), HCL)
  await writeFile(join(dir, 'goss', 'vars.yaml'), 'port: 8080\n')
  await writeFile(
    join(dir, 'goss', 'goss.yaml'),
    'file:\n  /etc/app/conf:\n    exists: true\n    owner: "{{ .Vars.owner }}"\n    contents:\n      - "port={{ .Vars.port }}"\n',
  )
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('provisioner "goss" in an HCL2 template', { timeout: 600_000 }, () => {
  it('validates and builds: the goss file (vars_file, vars_inline) is checked on the build container', async () => {
    const info = await validate({ templateFile: 'template.pkr.hcl', cwd: dir })
    expect(info.provisioners.map((p) => p.type)).toEqual(['shell', 'goss'])
    const lines: string[] = []
    const res = await build({ templateFile: 'template.pkr.hcl', cwd: dir, stateDir, onEvent: (e) => void (e.type === 'ui' && lines.push(e.text)) })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(lines).toContain('Goss tests ran successfully: 3 passed')
    expect(lines).toContain(
      'goss: version accepted and not used: tsimg downloads and uploads no goss binary, the checks run as shell probes over the connection',
    )
  })

  it('a goss_file that is not among the tests is an error naming the field, before anything is created', async () => {
    await writeFile(
      join(dir, 'bad.pkr.hcl'),
      HCL.replace('tests       = ["goss/"]', 'tests       = ["goss/"]\n    goss_file   = "other.yaml"').replace(/"goss"\s*\{/, '"goss" {'),
    )
    const err = await validate({ templateFile: 'bad.pkr.hcl', cwd: dir }).catch((e: unknown) => e as Error)
    expect((err as Error).message).toMatch(
      /^bad\.pkr\.hcl:\d+: provisioner "goss"\.goss_file: goss_file other\.yaml is not among the uploaded tests \(goss\/\)/,
    )
  })

  it('tsimg convert writes goss({...}) from @tsimg/provisioner-goss, and the image.ts type-checks and validates', async () => {
    const text = await convertTemplate(join(dir, 'template.pkr.hcl'), 'template.pkr.hcl')
    expect(text).toContain("import { goss } from '@tsimg/provisioner-goss'")
    expect(text).toMatch(/goss\(\{[^)]*tests: \[["']goss\/["']\]/s)
    await writeFile(join(dir, 'image.ts'), text)
    const info = await validate({ templateFile: 'image.ts', cwd: dir, typecheck: true })
    expect(info.provisioners.map((p) => p.type)).toEqual(['shell', 'goss'])
    expect(await readFile(join(dir, 'image.ts'), 'utf8')).toContain('varsInline')
  })
})
