// Ctrl-C twice: the first SIGINT while the emulator holds CreateSecurityGroup (the build's
// cleanup then awaits that create: Alibaba's SDK cannot abort it), the second once the cleanup
// runs. The process exits at once, lists what it leaves (the journal is kept), and `tsimg
// cleanup` deletes it all later.
import { expect, it } from 'vitest'
import { callAnswers } from '../../../test/support/cloud-matrix.js'
import { expectInterruptedTwice, interruptTwice, runTsimg } from '../../../test/support/interrupt-twice.js'
import { journalFiles, settledLeftovers, useEmulator } from './support.js'

const answers = callAnswers()
const t = useEmulator({ seed: 18, onCall: answers.onCall })
const env = () => ({
  ...process.env,
  TSIMG_STATE_DIR: t.stateDir,
  TSIMG_ALICLOUD_ENDPOINT: t.emu.endpoint,
  NO_COLOR: '1',
  ALICLOUD_ACCESS_KEY: t.emu.credentials.accessKeyId,
  ALICLOUD_SECRET_KEY: t.emu.credentials.secretAccessKey,
})

it(
  'a second SIGINT while cleanup awaits a held CreateSecurityGroup exits at once with 130, lists the key pair, network and pending group, keeps the journal; tsimg cleanup then leaves 0',
  () =>
    expectInterruptedTwice({
      name: 'alicloud-ecs',
      emu: t.emu,
      answers,
      stateDir: t.stateDir,
      args: ['build', 'examples/alicloud/ack-node/image.ts'],
      env: env(),
      action: 'CreateSecurityGroup',
      build: 'alicloud-ecs.ack-node',
      left: ['key pair ', 'VPC ', 'vSwitch ', 'security group '],
      alive: () => settledLeftovers(t.emu),
    }),
  600_000,
)

it('a second SIGINT while cleanup waits for an instance whose deletion never completes exits at once with 130, lists the instance and the rest; tsimg cleanup then leaves 0', () => {
  t.emu.setMachines('paper')
  t.emu.setDelays({ instanceTerminated: 'stuck' })
  return expectInterruptedTwice({
    name: 'alicloud-ecs (stuck delete)',
    emu: t.emu,
    answers,
    stateDir: t.stateDir,
    args: ['build', 'examples/alicloud/ack-node/image.ts'],
    env: env(),
    action: 'AllocateEipAddress',
    holdMs: 1000,
    build: 'alicloud-ecs.ack-node',
    left: ['key pair ', 'VPC ', 'vSwitch ', 'security group ', 'instance '],
    cleaning: (out) => /Cleaning up 'instance'/.test(out),
    afterExit: () => t.emu.setDelays({ instanceTerminated: 100 }),
    alive: () => settledLeftovers(t.emu),
  })
}, 600_000)

it('with an error-cleanup provisioner: the first SIGINT while provisioning, the second while cleanup waits for an instance whose deletion never completes: exit 130 at once, the instance listed; tsimg cleanup then leaves 0', async () => {
  t.emu.setMachines('container')
  t.emu.setDelays({ instanceTerminated: 'stuck' })
  const r = await interruptTwice({
    name: 'alicloud-ecs (error-cleanup, stuck delete)',
    args: ['build', 'packages/builder-alicloud/test/fixtures/error-cleanup.json'],
    env: env(),
    held: (out) => out.includes('provisioning-started'),
    cleaning: (out) => out.includes('error-cleanup-ran') && /Cleaning up 'instance'/.test(out),
  })
  t.emu.setDelays({ instanceTerminated: 100 })
  expect(r.sent, r.out).toBe(2)
  expect(r.code, r.out).toBe(130)
  expect(r.after, r.out).toContain('Interrupted again: exiting now. These temporary resources are being left:')
  expect(r.after, r.out).toMatch(/==> alicloud-ecs: instance /)
  expect(await journalFiles(t.stateDir)).toHaveLength(1)
  const cleanup = await runTsimg(['cleanup'], env())
  expect(cleanup.code, cleanup.out).toBe(0)
  expect(await settledLeftovers(t.emu)).toEqual([])
  expect(await journalFiles(t.stateDir)).toEqual([])
}, 600_000)
