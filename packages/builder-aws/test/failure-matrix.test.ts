import { describe, expect, it } from 'vitest'
import type { AmazonEbsInput } from '@tsimg/builder-aws'
import type { MachineMode } from '@tsimg/cloud-emulator'
import type { ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import { failedStep, isolated } from '../../../test/support/cloud-matrix.js'
import { AWS_MATRIX } from './support.js'

interface Case {
  /** The step that must fail. */
  step: string
  why: string
  /** Where the machine runs: on paper unless SSH or provisioning is the subject. */
  machine: MachineMode
  over?: Partial<AmazonEbsInput>
  fault?: { action: string; code: string; times?: number; request?: string }
  delays?: Record<string, number | 'stuck'>
  provisioners?: ProvisionerPlugin<any>[]
  error: RegExp
}

// Non-retryable faults, one call each: the build must fail at that step and leave nothing. A create
// with an optional part (tags sent in the create) is sent once more without it after any refusal
// (cloud-kit withOptionalPart), so its fault refuses both attempts (times: 2), as a cloud refusing
// the call itself would. The snapshots are tagged (CreateTags) inside aws:create-image, as Packer does,
// so the tag-image row refuses only the AMI's CreateTags.
const cases: Case[] = [
  {
    step: 'aws:prevalidate',
    why: 'DescribeImages denied',
    machine: 'paper',
    fault: { action: 'DescribeImages', code: 'UnauthorizedOperation', times: 1 },
    error: /Injected UnauthorizedOperation/,
  },
  { step: 'aws:prevalidate', why: 'unknown vpcId', machine: 'paper', over: { vpcId: 'vpc-0123456789abcdef0' }, error: /vpc-0123456789abcdef0/ },
  {
    step: 'aws:source-ami',
    why: 'unknown source AMI',
    machine: 'paper',
    over: { sourceAmi: 'ami-0123456789abcdef0', sourceAmiFilter: undefined },
    error: /ami-0123456789abcdef0/,
  },
  {
    step: 'aws:network-info',
    why: 'DescribeSubnets denied',
    machine: 'paper',
    fault: { action: 'DescribeSubnets', code: 'UnauthorizedOperation', times: 1 },
    error: /UnauthorizedOperation/,
  },
  { step: 'aws:network-info', why: 'no subnet in the availability zone', machine: 'paper', over: { availabilityZone: 'us-east-1x' }, error: /us-east-1x/ },
  {
    step: 'aws:key-pair',
    why: 'ImportKeyPair rejected',
    machine: 'paper',
    fault: { action: 'ImportKeyPair', code: 'InvalidKeyPair.Format', times: 2 },
    error: /InvalidKeyPair.Format/,
  },
  {
    step: 'aws:security-group',
    why: 'ingress rule rejected after the group exists',
    machine: 'paper',
    fault: { action: 'AuthorizeSecurityGroupIngress', code: 'InvalidPermission.Malformed', times: 1 },
    error: /InvalidPermission.Malformed/,
  },
  {
    step: 'aws:run-instance',
    why: 'RunInstances rejected',
    machine: 'paper',
    fault: { action: 'RunInstances', code: 'InvalidParameterValue', times: 2 },
    error: /InvalidParameterValue/,
  },
  {
    step: 'aws:run-instance',
    why: 'instance never runs (wait times out)',
    machine: 'paper',
    delays: { instanceRunning: 'stuck' },
    over: { pollAttempts: 10 },
    error: /Timed out waiting for instance/,
  },
  {
    step: 'ssh:connect',
    why: 'login refused',
    machine: 'container',
    over: { sshUsername: 'nobody', sshHandshakeAttempts: 1, sshTimeout: '20s' } as Partial<AmazonEbsInput>,
    error: /./,
  },
  { step: 'provision', why: 'a failing provisioner', machine: 'container', provisioners: [shell({ inline: ['echo breaking; exit 3'] })], error: /3/ },
  {
    step: 'aws:stop-instance',
    why: 'StopInstances rejected',
    machine: 'paper',
    fault: { action: 'StopInstances', code: 'IncorrectInstanceState', times: 1 },
    error: /IncorrectInstanceState/,
  },
  {
    step: 'aws:create-image',
    why: 'CreateImage rejected',
    machine: 'paper',
    fault: { action: 'CreateImage', code: 'InvalidAMIName.Malformed', times: 2 },
    error: /InvalidAMIName.Malformed/,
  },
  // imagePollAttempts bounds the AMI wait alone: the instance start keeps the generous pollAttempts, so a slow machine cannot fail the build early.
  {
    step: 'aws:create-image',
    why: 'AMI never becomes available (wait times out after CreateImage answered)',
    machine: 'paper',
    delays: { imageAvailable: 'stuck' },
    over: { pollDelay: '200ms', imagePollAttempts: 25 },
    error: /Timed out waiting for AMI ami-\w+ \(us-east-1\) to become ready: still 'pending' after 25 polls.*imagePollAttempts/,
  },
  {
    step: 'aws:copy-images',
    why: 'CopyImage rejected',
    machine: 'paper',
    over: { amiRegions: ['us-west-2'] },
    fault: { action: 'CopyImage', code: 'InvalidRequest', times: 1 },
    error: /InvalidRequest/,
  },
  {
    step: 'aws:modify-image',
    why: 'sharing rejected',
    machine: 'paper',
    over: { amiUsers: ['210987654321'] },
    fault: { action: 'ModifyImageAttribute', code: 'InvalidAMIAttributeItemValue', times: 1 },
    error: /InvalidAMIAttributeItemValue/,
  },
  {
    step: 'aws:tag-image',
    why: 'tagging rejected',
    machine: 'paper',
    over: { tags: { Name: 'x' } },
    fault: { action: 'CreateTags', code: 'InvalidParameterValue', times: 1, request: 'ResourceId\\.1=ami-' },
    error: /InvalidParameterValue/,
  },
]

// Each row on an emulator and a state directory of its own: the rows share nothing and
// mostly wait (polls, retries), so they run side by side.
describe.concurrent('a failure at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(cases.map((c) => [`${c.step}: ${c.why}`, c] as const))('%s', (_, c) =>
    isolated(AWS_MATRIX, async (m) => {
      if (c.delays) m.emu.setDelays(c.delays)
      const firedBefore = c.fault ? (m.emu.faultsFired()[c.fault.action] ?? 0) : 0
      if (c.fault) m.emu.injectFault(c.fault)
      const r = await m.run({ machine: c.machine, ...(c.over && { over: c.over }), ...(c.provisioners && { provisioners: c.provisioners }) })
      expect(r.summary.outcome).toBe('failed')
      if (c.fault) expect((m.emu.faultsFired()[c.fault.action] ?? 0) - firedBefore, 'the fault fired').toBe(c.fault.times ?? 1)
      expect(r.summary.error?.message).toMatch(c.error)
      expect(failedStep(r.events)).toBe(c.step)
      await m.expectNothingLeft(r)
    }),
  )
})
