import { afterAll, beforeAll, expect, it } from 'vitest'
import { Network, type StartedNetwork } from 'testcontainers'
import { SshCommunicator, generateKeyPair, sshTargetFromOptions } from '@tsimg/core'
import { startSshd, type StartedSshd } from '../../../test/support/sshd.js'

const key = generateKeyPair('ed25519', undefined, 'tsimg-test')
let network: StartedNetwork | undefined
let bastion: StartedSshd | undefined
let machine: StartedSshd | undefined
let comm: SshCommunicator | undefined

beforeAll(async () => {
  network = await new Network().start()
  // The machine is reachable only by name on the private network; the bastion also on 127.0.0.1.
  ;[machine, bastion] = await Promise.all([
    startSshd({ authorizedKeys: [key.publicKey], network, networkAliases: ['inner-machine'] }),
    startSshd({ users: [{ name: 'jump', authorizedKeys: [key.publicKey] }], network }),
  ])
})
afterAll(async () => {
  await comm?.close()
  await Promise.all([machine?.stop(), bastion?.stop()])
  await network?.stop()
})

it('reaches a machine through a bastion host and runs commands and transfers there', async () => {
  const target = await sshTargetFromOptions(
    { sshBastionHost: bastion!.host, sshBastionPort: bastion!.port, sshBastionUsername: 'jump', sshTimeout: '30s' },
    { host: 'inner-machine', port: 22, privateKey: key.privateKey },
  )
  comm = await SshCommunicator.connect(target)
  expect(comm.target).toBe(`root@inner-machine:22 via jump@${bastion!.host}:${bastion!.port}`)
  const lines: string[] = []
  await comm.exec('hostname', { onStdout: (l) => lines.push(l) })
  expect(lines).toEqual([(await machine!.exec('hostname')).stdout.trim()])
  expect(lines[0]).not.toBe((await bastion!.exec('hostname')).stdout.trim())
  await comm.uploadContent('through the bastion\n', '/root/via.txt')
  expect((await machine!.exec('cat /root/via.txt')).stdout).toBe('through the bastion\n')
})
