// A cancel while a create (or a job poll) is slow to answer: the cloud acts after the cancel,
// and cleanup awaits the create, finds what it made and deletes it.
import { describe, it } from 'vitest'
import { expectSlowCreateCancelled, isolated } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX } from './support.js'

/** The call made slow, and the line said just before it is sent. */
const slow = [
  { action: 'NovaCreateKeypair', before: 'Creating temporary keypair' },
  { action: 'CreateVpc', before: 'Creating temporary VPC' },
  { action: 'CreateSubnet', before: 'Creating temporary subnet' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'CreatePostPaidServers', before: 'Creating server' },
  { action: 'ShowJob', before: 'Server ID:', what: 'the server job' },
  { action: 'CreateImage', before: 'Creating image' },
  { action: 'ShowJob', before: 'Image:', what: 'the image job' },
] as const

// The subject is the API (a slow create) and the teardown: machines on paper. The rows share
// nothing, so each has an emulator of its own and they wait out their slow calls side by side.
describe.concurrent('a cancel while a create is in flight leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(slow.map((s) => [`${s.action}${'what' in s ? ` (${s.what})` : ''}`, s] as const))(
    'cancelled while %s is slow: cleanup awaits it and deletes what it made',
    // The next such call after the line takes 4 s to answer (the server acts first for a create).
    (_, create) => isolated(HUAWEI_MATRIX, (m) => expectSlowCreateCancelled(m, { create, holdMs: 4000, slowAfterLine: true })),
  )
})
