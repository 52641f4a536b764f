// Ctrl-C twice: the first SIGINT while the emulator holds CreateSecurityGroup (the build's
// cleanup then awaits that create), the second once the cleanup runs. The process exits at
// once, lists what it leaves (the journal is kept), and `tsimg cleanup` deletes it all later.
import { join } from 'node:path'
import { it } from 'vitest'
import { callAnswers } from '../../../test/support/cloud-matrix.js'
import { expectInterruptedTwice } from '../../../test/support/interrupt-twice.js'
import { cliEnv, leftovers } from './support.js'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'

const answers = callAnswers()
let emu: HuaweiEmulator
let stateDir: string
beforeAll(async () => {
  emu = await startHuaweiEmulator({ delays: { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100 }, onCall: answers.onCall })
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-twice-'))
})
afterAll(async () => {
  await emu?.stop()
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
})

it(
  'a second SIGINT while cleanup awaits a held CreateSecurityGroup exits at once with 130, lists the key pair, network and pending group, keeps the journal; tsimg cleanup then leaves 0',
  () =>
    expectInterruptedTwice({
      name: 'huaweicloud-ecs',
      emu,
      answers,
      stateDir,
      args: ['build', '--var', `manifest=${join(stateDir, 'manifest.json')}`, 'examples/huaweicloud/image.ts'],
      env: cliEnv(emu, stateDir),
      action: 'CreateSecurityGroup',
      build: 'huaweicloud-ecs.builder',
      left: ['key pair ', 'VPC ', 'subnet ', 'security group '],
      alive: async () => leftovers(emu),
    }),
  600_000,
)

it('a second SIGINT while cleanup waits for a server whose deletion never completes exits at once with 130, lists the server and the rest; tsimg cleanup then leaves 0', () => {
  emu.setMachines('paper')
  emu.setDelays({ instanceTerminated: 'stuck' })
  return expectInterruptedTwice({
    name: 'huaweicloud-ecs (stuck delete)',
    emu,
    answers,
    stateDir,
    args: ['build', '--var', `manifest=${join(stateDir, 'manifest.json')}`, 'examples/huaweicloud/image.ts'],
    env: cliEnv(emu, stateDir),
    action: 'CreatePostPaidServers',
    holdMs: 1000,
    build: 'huaweicloud-ecs.builder',
    left: ['key pair ', 'VPC ', 'subnet ', 'security group ', 'server '],
    cleaning: (out) => out.includes('Deleting the server with its volumes...'),
    afterExit: () => emu.setDelays({ instanceTerminated: 100 }),
    alive: async () => leftovers(emu),
  })
}, 600_000)
