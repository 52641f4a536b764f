import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
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
    execFileSync('ssh', ['-i', join(dir, 'k'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-p', String(sshd!.port), `${user}@${sshd!.host}`, cmd], { encoding: 'utf8' })
  expect(ssh('root', 'id -un').trim()).toBe('root')
  expect(ssh('alice', 'sudo -n id -un').trim()).toBe('root')
  const r = await sshd.exec('getent shadow alice | cut -d: -f2 | head -c 1')
  expect(r.stdout).toBe('$')
  await sshd.restartSshd()
  await new Promise((r) => setTimeout(r, 300))
  await sshd.waitReady(10_000)
  expect(ssh('root', 'echo again').trim()).toBe('again')
})
