import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const CLI = resolve(here, '../../core/bin/tsimg.js')
const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tsimg(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('tsimg with Packer templates', () => {
  it('validate of a template whose builder tsimg lacks exits 2 with file:line and what to use instead', () => {
    writeFileSync(join(dir, 'gce.json'), JSON.stringify({ builders: [{ type: 'googlecompute', project_id: 'p' }] }, null, 2))
    const r = tsimg('validate', join(dir, 'gce.json'))
    expect(r.code).toBe(2)
    expect(r.err).toMatch(
      /gce\.json:3: builders\[0\] \(googlecompute\): builder "googlecompute" is not supported by tsimg \(tsimg builders: docker, null, amazon-ebs, alicloud-ecs, huaweicloud-ecs[,)]/,
    )
  })

  it('convert -o writes an image.ts that validate accepts, with variables, sources and provisioners in order', () => {
    writeFileSync(
      join(dir, 'null.json'),
      JSON.stringify({
        variables: { host: '127.0.0.1', password: '{{env `TSIMG_TEST_PW`}}', release: 'r-{{timestamp}}' },
        'sensitive-variables': ['password'],
        builders: [{ type: 'null', name: 'box', ssh_host: '{{user `host`}}', ssh_username: 'admin', ssh_password: '{{user `password`}}' }],
        provisioners: [
          { type: 'file', content: 'x', destination: '/tmp/x' },
          { type: 'shell', inline: ['echo {{user `release`}}'], pause_before: '2s' },
          { type: 'breakpoint', note: 'look', disable: true },
        ],
        'error-cleanup-provisioner': { type: 'shell', inline: ['true'] },
        'post-processors': [{ type: 'shell-local', inline: ['echo done'] }, 'manifest'],
      }),
    )
    const c = tsimg('convert', 'null.json', '-o', 'image.ts')
    expect(c.code, c.err).toBe(0)
    const ts = readFileSync(join(dir, 'image.ts'), 'utf8')
    expect(ts).toContain('password: packerJson.variable({ default: env("TSIMG_TEST_PW"), sensitive: true }), // null.json:1')
    expect(ts).toContain('release: packerJson.variable({ default: `r-${timestamp()}` })')
    // A JSON variable's "" is Packer's unset: packerJson.string reads it so.
    expect(ts).toContain("sshHost({ host: packerJson.string(vars.host), sshUsername: 'admin', sshPassword: packerJson.string(vars.password), name: 'box' })")
    expect(ts.indexOf('file({')).toBeLessThan(ts.indexOf("shell({ inline: [`echo ${vars.release}`], pauseBefore: '2s' })"))
    expect(ts).toContain("breakpoint({ note: 'look', disable: true })")
    expect(ts).toContain('errorCleanupProvisioner: // null.json:1 error-cleanup-provisioner (shell)')
    const v = tsimg('validate', 'image.ts', '-var', 'password=pw')
    expect(v.code, v.err).toBe(0)
    const i = tsimg('inspect', 'null.json', '-var', 'password=pw')
    expect(i.out).toContain('var.password: <sensitive>')
    expect(i.out).toMatch(/provisioners:\s+file: .*\n\s+shell: .*\n\s+breakpoint/)
  })

  it('convert of an HCL2 directory inlines locals and names each file and line', () => {
    const d = join(dir, 'hcl')
    mkdirSync(d)
    writeFileSync(
      join(d, 'variables.pkr.hcl'),
      'variable "host" {\n  type    = string\n  default = "127.0.0.1"\n}\n\nvariable "packages" {\n  type    = list(string)\n  default = ["curl", "jq"]\n}\n',
    )
    writeFileSync(
      join(d, 'build.pkr.hcl'),
      'locals {\n  user = "admin"\n  motd = "built for ${local.user} on ${var.host}"\n}\n\nsource "null" "box" {\n  ssh_host     = var.host\n  ssh_username = local.user\n  ssh_password = "pw"\n}\n\nbuild {\n  sources = ["source.null.box"]\n  provisioner "shell" {\n    inline = ["echo ${local.motd}"]\n  }\n  provisioner "file" {\n    content     = "x"\n    destination = "/tmp/x"\n  }\n}\n',
    )
    const c = tsimg('convert', 'hcl', '-o', 'hcl-image.ts')
    expect(c.code, c.err).toBe(0)
    const ts = readFileSync(join(dir, 'hcl-image.ts'), 'utf8')
    expect(ts).toContain("host: variable.string({ default: '127.0.0.1' }), // variables.pkr.hcl:1")
    expect(ts).toContain("packages: hclVariable<Array<string>>('list(string)', { default: ['curl', 'jq'] }), // variables.pkr.hcl:6")
    // Packer calls it null.box; sshHost alone would be ssh.box.
    expect(ts).toContain(
      "// build.pkr.hcl:6 source \"null\" \"box\"\n      { ...sshHost({ host: vars.host, sshUsername: 'admin', sshPassword: 'pw', name: 'box' }), buildName: 'null.box' }",
    )
    expect(ts).toContain('shell({ inline: [`echo built for admin on ${vars.host}`] })')
    const v = tsimg('validate', 'hcl-image.ts')
    expect(v.code, v.err).toBe(0)
  })
})
