// A create the server holds past the SDK's ordinary per-call timeout (60 s), cancelled while
// it is held: the request waits for the kit's create bound instead, so the cancelled build's
// cleanup awaits the real answer and deletes what it made; nothing appears after the build.
import { describe, it, vi } from 'vitest'
import { callAnswers as answers, expectSlowCreateCancelled, isolated } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX } from './support.js'

const LATE_MS = 65_000

/** Every create, and the line said just before it is sent. */
const creates = [
  { action: 'NovaCreateKeypair', before: 'Creating temporary keypair' },
  { action: 'CreateVpc', before: 'Creating temporary VPC' },
  { action: 'CreateSubnet', before: 'Creating temporary subnet' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'CreatePostPaidServers', before: 'Creating server' },
  { action: 'CreateImage', before: 'Creating image' },
] as const

// Every row waits out its own hold: all of them at once (vitest's default is 5 at a time),
// so the file takes one hold plus a build, not two.
vi.setConfig({ maxConcurrency: creates.length })

// The subject is the API (a create held past the SDK's timeout) and the teardown: machines on
// paper. The rows share nothing, so each has an emulator of its own and they wait side by side.
describe.concurrent('a create the server holds past the SDK timeout, cancelled meanwhile, leaves nothing, now or later', { timeout: 600_000 }, () => {
  it.each(creates)('cancelled while $action is held 65 s (it acts at the end): the build waits for it, deletes it, and nothing appears later', (create) => {
    const a = answers()
    return isolated(HUAWEI_MATRIX, (m) => expectSlowCreateCancelled(m, { create, holdMs: LATE_MS, cloud: 'huaweicloud', late: { answers: a } }), {
      onCall: a.onCall,
    })
  })
})
