import { afterAll, beforeAll, expect, it } from 'vitest'
import { SshCommunicator, sshTargetFromOptions } from '@tsimg/core/plugin'
import { sharedBastionPair, type SharedBastionPair } from '../../../test/support/shared-sshd.js'

// The machine is reachable only by name on the private network; the bastion also on 127.0.0.1.
let pair: SharedBastionPair
let comm: SshCommunicator | undefined

beforeAll(async () => {
  pair = await sharedBastionPair()
})
afterAll(async () => {
  await comm?.close()
})

it('reaches a machine through a bastion host and runs commands and transfers there', async () => {
  const { machine, bastion } = pair
  const target = await sshTargetFromOptions(
    { sshBastionHost: bastion.host, sshBastionPort: bastion.port, sshBastionUsername: bastion.username, sshTimeout: '30s' },
    { host: machine.alias, port: 22, privateKey: pair.privateKey },
  )
  comm = await SshCommunicator.connect(target)
  expect(comm.target).toBe(`root@${machine.alias}:22 via ${bastion.username}@${bastion.host}:${bastion.port}`)
  const lines: string[] = []
  await comm.exec('hostname', { onStdout: (l) => lines.push(l) })
  expect(lines).toEqual([(await machine.exec('hostname')).stdout.trim()])
  expect(lines[0]).not.toBe((await bastion.exec('hostname')).stdout.trim())
  await comm.uploadContent('through the bastion\n', '/root/ssh-bastion-test.txt')
  expect((await machine.exec('cat /root/ssh-bastion-test.txt')).stdout).toBe('through the bastion\n')
})
