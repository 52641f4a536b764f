// Ctrl-C twice: the first SIGINT while the emulator holds CreateSecurityGroup (the build's
// cleanup then awaits that create), the second once the cleanup runs. The process exits at
// once, lists what it leaves (the journal is kept), and `tsimg cleanup` deletes it all later.
import { resolve } from 'node:path'
import { it } from 'vitest'
import { callAnswers } from '../../../test/support/cloud-matrix.js'
import { expectInterruptedTwice } from '../../../test/support/interrupt-twice.js'
import { cliEnv, leftovers, useEmulator } from './support.js'

const answers = callAnswers()
const t = useEmulator({ onCall: answers.onCall })

it(
  'a second SIGINT while cleanup awaits a held CreateSecurityGroup exits at once with 130, lists the key pair and the pending group, keeps the journal; tsimg cleanup then leaves 0',
  () =>
    expectInterruptedTwice({
      name: 'amazon-ebs',
      emu: t.emu,
      answers,
      stateDir: t.stateDir,
      args: ['build', resolve(import.meta.dirname, 'fixtures/slow-image.ts')],
      env: cliEnv(t.emu, t.stateDir, { TSIMG_TEST_AMI_NAME: 'tsimg-twice' }),
      action: 'CreateSecurityGroup',
      build: 'amazon-ebs.killed',
      left: ['key pair ', 'security group '],
      alive: async () => leftovers(t.emu),
    }),
  600_000,
)
