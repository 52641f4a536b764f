import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manifest, sshHost } from '@tsimg/core'
import { build, validate, type BuildEvent } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'
import { sharedTarget, type SharedTarget } from '../../../test/support/shared-sshd.js'

// The run's shared sshd: this file writes only /root/builder-ssh-host-marker there.
let sshd: SharedTarget
let PASSWORD: string
let dir: string
let keyFile: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-ssh-host-'))
  sshd = await sharedTarget()
  PASSWORD = sshd.users.alice.password
  keyFile = join(dir, 'id_ed25519')
  await writeFile(keyFile, sshd.privateKey, { mode: 0o600 })
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('ssh source (Packer null builder)', () => {
  it('provisions an existing host and reports it as the artifact, with no image', async () => {
    const events: BuildEvent[] = []
    const stateDir = join(dir, 'state')
    const res = await build({
      template: {
        sources: [sshHost({ name: 'lab', host: sshd.host, sshPort: sshd.port, sshUsername: 'root', sshPrivateKeyFile: keyFile })],
        provisioners: [shell({ inline: ['echo provisioned-by-tsimg > /root/builder-ssh-host-marker', 'hostname'] })],
        postProcessors: [manifest({ output: join(dir, 'manifest.json') })],
      },
      stateDir,
      typecheck: false,
      onEvent: (e) => events.push(e),
    })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(b.name).toBe('ssh.lab')
    expect(b.outcome).toBe('success')
    expect(res.artifacts[0]).toMatchObject({ builderType: 'ssh', id: `ssh:${sshd.host}`, description: `Provisioned ${sshd.host} (no image)` })
    const marker = await sshd.exec('cat /root/builder-ssh-host-marker')
    expect(marker.stdout.trim()).toBe('provisioned-by-tsimg')
    // Nothing temporary: no key files, an empty journal directory.
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
  })

  it('refuses to build without credentials, before connecting', async () => {
    await expect(validate({ template: { sources: [sshHost({ host: sshd.host, sshPort: sshd.port })] }, typecheck: false })).rejects.toThrow(
      /sshPrivateKeyFile, sshPassword or sshAgentAuth/,
    )
  })

  it('fails clearly on a wrong password and says which user and method were tried', async () => {
    const res = await build({
      template: { sources: [sshHost({ host: sshd.host, sshPort: sshd.port, sshPassword: 'wrong-password', sshHandshakeAttempts: 1, sshTimeout: '10s' })] },
      stateDir: join(dir, 'state2'),
      typecheck: false,
    })
    expect(res.builds[0]!.outcome).toBe('failed')
    expect(res.builds[0]!.error!.message).toMatch(/root.*password/)
    expect(res.builds[0]!.error!.message).not.toContain('wrong-password')
  })

  it('logs in with a password as a normal user, and never prints the password', async () => {
    const events: BuildEvent[] = []
    const res = await build({
      template: {
        sources: [sshHost({ name: 'pw', host: sshd.host, sshPort: sshd.port, sshUsername: 'alice', sshPassword: PASSWORD })],
        provisioners: [shell({ inline: ['echo "user=$(id -un)"', `echo "the password is ${PASSWORD}"`] })],
      },
      stateDir: join(dir, 'state3'),
      typecheck: false,
      onEvent: (e) => events.push(e),
    })
    expect(res.builds[0]!.error?.message).toBeUndefined()
    const text = events.flatMap((e) => (e.type === 'ui' ? [e.text] : [])).join('\n')
    expect(text).toContain('user=alice')
    expect(text).toContain('the password is <sensitive>')
    expect(JSON.stringify(events)).not.toContain(PASSWORD)
  })
})
