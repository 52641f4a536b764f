import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { sharedTarget } from '../../../test/support/shared-sshd.js'
import { startSshd, type StartedSshd } from '../../../test/support/sshd.js'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-sshd-'))
let sshd: StartedSshd | undefined
afterAll(async () => {
  await sshd?.stop()
  rmSync(dir, { recursive: true, force: true })
})

it('test/support/sshd starts an sshd that OpenSSH reaches with the authorized key, with users and sudo', async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')])
  const pub = readFileSync(join(dir, 'k.pub'), 'utf8').trim()
  sshd = await startSshd({ authorizedKeys: [pub], users: [{ name: 'alice', password: 'pw1', authorizedKeys: [pub], sudo: true }] })
  const ssh = (user: string, cmd: string) =>
    execFileSync(
      'ssh',
      [
        '-i',
        join(dir, 'k'),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-p',
        String(sshd!.port),
        `${user}@${sshd!.host}`,
        cmd,
      ],
      { encoding: 'utf8' },
    )
  expect(ssh('root', 'id -un').trim()).toBe('root')
  expect(ssh('alice', 'sudo -n id -un').trim()).toBe('root')
  const r = await sshd.exec('getent shadow alice | cut -d: -f2 | head -c 1')
  expect(r.stdout).toBe('$')
  // restartSshd resolves once the old sshd is gone: the banner waited for is its successor's.
  const before = (await sshd.exec('pgrep -xo sshd')).stdout.trim()
  await sshd.restartSshd()
  await sshd.waitReady(10_000)
  expect((await sshd.exec('pgrep -xo sshd')).stdout.trim()).not.toBe(before)
  expect(ssh('root', 'echo again').trim()).toBe('again')
})

it('test/support/shared-sshd hands every caller of a run the same target, whose users log in as documented', async () => {
  const [a, b] = await Promise.all([sharedTarget(), sharedTarget()])
  expect(b.containerId).toBe(a.containerId)
  expect(b.port).toBe(a.port)
  const keyFile = join(dir, 'shared-key')
  writeFileSync(keyFile, a.privateKey + '\n', { mode: 0o600 })
  const ssh = (user: string, cmd: string) =>
    execFileSync(
      'ssh',
      [
        '-i',
        keyFile,
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-p',
        String(a.port),
        `${user}@${a.host}`,
        cmd,
      ],
      { encoding: 'utf8' },
    )
  expect(ssh('root', 'id -un').trim()).toBe('root')
  expect(ssh('deploy', 'sudo -n id -un').trim()).toBe('root')
  // alice logs in with her password only: the key is not authorized for her.
  expect(() => ssh('alice', 'true')).toThrow()
  expect((await a.exec('getent shadow alice deploy | cut -d: -f2 | cut -c1')).stdout).toBe('$\n$\n')
  expect((await a.exec('sudo -l -U alice | grep -c NOPASSWD')).stdout.trim()).toBe('1')
})
