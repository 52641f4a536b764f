/**
 * A machine reachable only through a bastion host: ansible's sessions ride tsimg's own
 * connection (through the jump host), which ansible itself could not reach.
 */
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SshCommunicator, sshTargetFromOptions } from '@tsimg/core/plugin'
import { ansible } from '@tsimg/provisioner-ansible'
import { sharedBastionPair, type SharedSshd } from '../../../test/support/shared-sshd.js'
import { filesUnder, privateTmpdir, processesMentioning, provision } from './helpers.js'

let bastion: SharedSshd | undefined
let machine: SharedSshd | undefined
let comm: SshCommunicator | undefined
let tmp: string | undefined

beforeAll(async () => {
  // Shared with other files of the run: the play writes only /etc/tsimg-ansible.
  const pair = await sharedBastionPair()
  ;({ machine, bastion } = pair)
  const target = await sshTargetFromOptions(
    { sshBastionHost: bastion.host, sshBastionPort: bastion.port, sshBastionUsername: pair.bastion.username, sshTimeout: '120s' },
    { host: pair.machine.alias, port: 22, privateKey: pair.privateKey },
  )
  comm = await SshCommunicator.connect(target)
  tmp = await privateTmpdir()
})
afterAll(async () => {
  await comm?.close()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

/** A play in containers on a busy two-core machine: a generous bound, never a measured duration. */
describe('ansible provisioner behind a bastion host', { timeout: 15 * 60_000 }, () => {
  it('runs the play on the machine behind the bastion through the proxy', async () => {
    const { lines, error } = await provision(ansible({ playbookFile: 'site.yml' }), comm!)
    expect(error).toBeUndefined()
    expect(
      lines.some(
        (l) =>
          l.startsWith(`message: Ansible connects to 127.0.0.1:`) &&
          l.endsWith(`carried over root@inner-machine:22 via jump@${bastion!.host}:${bastion!.port}`),
      ),
    ).toBe(true)
    expect((await machine!.exec('cat /etc/tsimg-ansible/marker')).stdout).toContain('build=web type=docker')
    expect((await bastion!.exec('test -e /etc/tsimg-ansible/marker')).exitCode).toBe(1)
    expect(await filesUnder(tmp!)).toEqual([])
    expect(await processesMentioning(tmp!)).toEqual([])
  })

  it('refuses useProxy: false, which cannot go through the bastion', async () => {
    const { error } = await provision(ansible({ playbookFile: 'site.yml', useProxy: false }), comm!)
    expect(error?.message).toBe(`useProxy: false cannot reach root@inner-machine:22 via jump@${bastion!.host}:${bastion!.port}: it is behind a bastion host`)
  })
})
