// Template values real JSON templates use, built for real: JSON's {{ build `ID` }} in a
// provisioner and in a manifest's custom_data (the EKS AMI template's pattern), {{user}} inside a
// shell execute_command, and the ansible provisioner's own {{ .HostAlias }} in its inventory
// template. Packer 1.6.6 accepts the same template (packer validate).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync as tsimg } from './support/packer.js'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-template-values-'))
const image = 'tsimg/template-values-test:v1'
afterAll(() => {
  execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' })
  rmSync(dir, { recursive: true, force: true })
})

writeFileSync(
  join(dir, 'site.yml'),
  '- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: /etc/alias\n        content: "{{ inventory_hostname }}\\n"\n',
)
writeFileSync(
  join(dir, 'values.json'),
  JSON.stringify(
    {
      variables: { who: 'builder' },
      builders: [{ type: 'docker', image: 'tsimg/debian-ssh:bookworm', commit: true }],
      provisioners: [
        {
          type: 'shell',
          inline: ['echo "{{ build `ID` }}" > /etc/id', 'echo "$WHO" > /etc/who'],
          execute_command: "chmod +x {{ .Path }}; WHO='{{user `who`}}' {{ .Vars }} {{ .Path }}",
        },
        {
          type: 'ansible',
          playbook_file: 'site.yml',
          host_alias: 'web',
          inventory_file_template: '{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}\n',
        },
      ],
      'post-processors': [
        { type: 'docker-tag', repository: 'tsimg/template-values-test', tags: ['v1'] },
        { type: 'manifest', output: 'manifest.json', custom_data: { container: '{{ build `ID` }}' } },
      ],
    },
    null,
    2,
  ),
)

describe('template values, as Packer fills them', { timeout: 900_000 }, () => {
  it('Packer 1.6.6 and tsimg both accept the template', () => {
    expect(packer(['validate', 'values.json'], dir).code).toBe(0)
    const t = tsimg(['validate', 'values.json'], dir)
    expect(t.code, t.out).toBe(0)
  })

  it("the build fills {{ build `ID` }} in the provisioner and the manifest, {{user}} in execute_command, and the inventory's {{ .HostAlias }}", () => {
    const t = tsimg(['build', 'values.json'], dir, { TSIMG_STATE_DIR: join(dir, 'state') })
    expect(t.code, t.out).toBe(0)
    const [id, who, alias] = execFileSync('docker', ['run', '--rm', image, 'cat', '/etc/id', '/etc/who', '/etc/alias'], { encoding: 'utf8' }).split('\n')
    expect(id).toMatch(/^[0-9a-f]{12,64}$/)
    expect(who).toBe('builder')
    expect(alias).toBe('web')
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { builds: { custom_data: { container: string } }[] }
    expect(manifest.builds.at(-1)!.custom_data.container).toBe(id)
  })

  it("convert writes them as lateProvisioner/latePostProcessor calls, keeps the ansible inventory template the provisioner's own, and the image.ts validates", () => {
    const c = tsimg(['convert', 'values.json', '-o', 'image.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 'image.ts'), 'utf8')
    expect(ts).toContain("latePostProcessor(manifest, { output: 'manifest.json', customData: { container: '{{ .ID }}' } })")
    // The inventory's placeholders are the provisioner's own, not build-time values: a plain ansible() call.
    expect(ts).toContain("ansible({ playbookFile: 'site.yml', hostAlias: 'web', inventoryFileTemplate: '{{ .HostAlias }} ansible_host={{ .Host }}")
    expect(ts).toContain("WHO='${vars.who}'")
    const v = tsimg(['validate', 'image.ts'], dir)
    expect(v.code, v.out).toBe(0)
  })
})

// The communicator's build values (Packer's generated data: ConnType, Password, SSHPublicKey,
// SSHPrivateKey, WinRMPassword), which templates use as `echo '{{ build `Password` }}' | sudo -S`.
// Packer 1.6.6 builds the docker-communicator template here too (pull off: no registry), and
// prints the same line. Its `{{ .Password }}` (the dot form) renders the text "Build_Password. To
// set this dynamically in the Packer template, you must use the `build` function": tsimg fills
// the value the build function gives instead of passing that text to the machine.
describe('communicator build values, as Packer makes them', { timeout: 900_000 }, () => {
  const values =
    'conn={{ build `ConnType` }} password=[{{ build `Password` }}] winrm=[{{ build `WinRMPassword` }}] pub=[{{ build `SSHPublicKey` }}] key=[{{ build `SSHPrivateKey` }}]'
  writeFileSync(
    join(dir, 'exec.json'),
    JSON.stringify(
      {
        builders: [{ type: 'docker', image: 'tsimg/debian-ssh:bookworm', discard: true, pull: false }],
        provisioners: [{ type: 'shell', inline: [`echo '${values}'`, "echo 'dot: [{{ .Password }}] [{{ .WinRMPassword }}]'"] }],
      },
      null,
      2,
    ),
  )
  writeFileSync(
    join(dir, 'ssh.json'),
    JSON.stringify(
      {
        builders: [{ type: 'docker', image: 'tsimg/debian-ssh:bookworm', discard: true, pull: false, communicator: 'ssh', ssh_username: 'root' }],
        provisioners: [
          {
            type: 'shell',
            inline: [
              "echo 'conn={{ .ConnType }} password=[{{ .Password }}] winrm=[{{ .WinRMPassword }}]'",
              // The temporary key pair's public key is the one sshd let in; the private key's body is a secret.
              "printf '%s' '{{ .SSHPublicKey }}' | cut -d' ' -f2 > /tmp/pub; grep -qF \"$(cat /tmp/pub)\" /root/.ssh/authorized_keys && echo public-key=authorized",
              "printf '%s\\n' '{{ .SSHPrivateKey }}' | sed -n '1p;2p'",
            ],
          },
        ],
      },
      null,
      2,
    ),
  )
  const line = (out: string, prefix: string): string | undefined =>
    out
      .split('\n')
      .map((l) => l.replace(/^\s*[\w.-]+: /, ''))
      .find((l) => l.startsWith(prefix))

  it('with the docker communicator: the line Packer 1.6.6 prints, and Packer accepts the dot forms too', () => {
    expect(packer(['validate', 'exec.json'], dir).code).toBe(0)
    const p = packer(['build', '-color=false', 'exec.json'], dir)
    expect(p.code, p.out).toBe(0)
    const t = tsimg(['build', '-color=false', 'exec.json'], dir, { TSIMG_STATE_DIR: join(dir, 'state') })
    expect(t.code, t.out).toBe(0)
    expect(line(p.out, 'conn=')).toBe('conn=docker password=[] winrm=[] pub=[] key=[]')
    expect(line(t.out, 'conn=')).toBe(line(p.out, 'conn='))
    // Packer's dot form of Password is its "use the build function" text; tsimg's the value.
    expect(line(p.out, 'dot: ')).toMatch(/^dot: \[Build_Password\. To set this dynamically/)
    expect(line(t.out, 'dot: ')).toBe('dot: [] []')
  })

  it('with the ssh communicator: ConnType ssh, the temporary public key sshd accepted, the private key redacted', () => {
    expect(packer(['validate', 'ssh.json'], dir).code).toBe(0)
    const t = tsimg(['build', '-color=false', 'ssh.json'], dir, { TSIMG_STATE_DIR: join(dir, 'state') })
    expect(t.code, t.out).toBe(0)
    expect(line(t.out, 'conn=')).toBe('conn=ssh password=[] winrm=[]')
    expect(line(t.out, 'public-key=')).toBe('public-key=authorized')
    expect(line(t.out, '-----BEGIN')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----')
    // The key's first body line is printed only as <sensitive>.
    const lines = t.out.split('\n').map((l) => l.replace(/^\s*[\w.-]+: /, ''))
    expect(lines[lines.indexOf('-----BEGIN OPENSSH PRIVATE KEY-----') + 1]).toBe('<sensitive>')
  })
})
