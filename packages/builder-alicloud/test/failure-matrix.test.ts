import { describe, expect, it } from 'vitest'
import type { AlicloudEcsInput } from '@tsimg/builder-alicloud'
import type { ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import type { MachineMode } from '@tsimg/cloud-emulator'
import { failedStep, isolated } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX } from './support.js'

// Faults and delays are restored, machines set back to containers, after each row.

interface Case {
  /** The step that must fail. */
  step: string
  why: string
  /** Where the machine runs: on paper unless provisioning is the subject (default 'paper'). */
  machine?: MachineMode
  /** A permanent error answered once by this action (an Alibaba code, so the SDK raises it as Alibaba would). */
  fault?: { action: string; code: string }
  /**
   * Inject the fault when this step starts, not at the start of the build: the action is also
   * called earlier (DescribeImages by prevalidate, DescribeInstances by the launch), and this
   * case is about the later call.
   */
  at?: string
  over?: Partial<AlicloudEcsInput>
  delays?: Record<string, number | 'stuck' | 'fail'>
  provisioners?: ProvisionerPlugin<any>[]
  /** Defaults to `<action> failed ... <code>`. */
  error?: RegExp
  /** A line the build must say (Packer's wording). */
  says?: string
}

const COPY = { imageCopyRegions: ['cn-hangzhou'], imageCopyNames: ['tsimg-matrix-copy'] }

// Every call the build makes, failing once with a code Alibaba would answer that retrying
// cannot fix: the build fails at that step, names the action, and leaves nothing behind.
const OPTIONAL_PART_CREATES = new Set(['ImportKeyPair', 'CreateVpc', 'CreateVSwitch', 'CreateSecurityGroup', 'RunInstances', 'AllocateEipAddress'])

const cases: Case[] = [
  { step: 'alicloud:prevalidate', why: 'regions', fault: { action: 'DescribeRegions', code: 'Forbidden.RAM' } },
  { step: 'alicloud:prevalidate', why: 'image name lookup', fault: { action: 'DescribeImages', code: 'Forbidden.RAM' } },
  { step: 'alicloud:source-image', why: 'source image family', fault: { action: 'DescribeImageFromFamily', code: 'InvalidImageFamily.Malformed' } },
  { step: 'alicloud:key-pair', why: 'key import', fault: { action: 'ImportKeyPair', code: 'InvalidKeyPair.FormatError' } },
  { step: 'alicloud:network', why: 'zones', fault: { action: 'DescribeZones', code: 'Forbidden.RAM' } },
  { step: 'alicloud:network', why: 'VPC create', fault: { action: 'CreateVpc', code: 'QuotaExceeded.Vpc' } },
  { step: 'alicloud:network', why: 'vSwitch create, after the VPC exists', fault: { action: 'CreateVSwitch', code: 'InvalidCidrBlock.Overlapped' } },
  { step: 'alicloud:security-group', why: 'group create', fault: { action: 'CreateSecurityGroup', code: 'QuotaExceed.SecurityGroup' } },
  {
    step: 'alicloud:security-group',
    why: 'SSH rule, after the group exists',
    fault: { action: 'AuthorizeSecurityGroup', code: 'InvalidIpProtocol.Malformed' },
  },
  { step: 'alicloud:instance', why: 'launch', fault: { action: 'RunInstances', code: 'InvalidInstanceType.ValueNotSupported' } },
  { step: 'alicloud:instance', why: 'wait until running', fault: { action: 'DescribeInstances', code: 'Forbidden.RAM' }, at: 'alicloud:instance' },
  { step: 'alicloud:public-ip', why: 'EIP allocation', fault: { action: 'AllocateEipAddress', code: 'QuotaExceeded.Eip' } },
  { step: 'alicloud:public-ip', why: 'EIP association', fault: { action: 'AssociateEipAddress', code: 'InvalidParams.InstanceId' } },
  { step: 'alicloud:public-ip', why: 'wait until the EIP is bound', fault: { action: 'DescribeEipAddresses', code: 'Forbidden.RAM' } },
  { step: 'provision', why: 'a failing provisioner', machine: 'container', provisioners: [shell({ inline: ['echo breaking; exit 3'] })], error: /3/ },
  { step: 'alicloud:stop-instance', why: 'stop', fault: { action: 'StopInstance', code: 'OperationDenied' } },
  { step: 'alicloud:stop-instance', why: 'wait until stopped', fault: { action: 'DescribeInstances', code: 'Forbidden.RAM' }, at: 'alicloud:stop-instance' },
  {
    step: 'alicloud:create-image',
    why: 'system disk lookup (imageIgnoreDataDisks)',
    over: { imageIgnoreDataDisks: true },
    fault: { action: 'DescribeDisks', code: 'Forbidden.RAM' },
  },
  {
    step: 'alicloud:create-image',
    why: 'system disk snapshot',
    over: { imageIgnoreDataDisks: true },
    fault: { action: 'CreateSnapshot', code: 'QuotaExceed.Snapshot' },
  },
  {
    step: 'alicloud:create-image',
    why: 'wait for the snapshot',
    over: { imageIgnoreDataDisks: true },
    fault: { action: 'DescribeSnapshots', code: 'Forbidden.RAM' },
    at: 'alicloud:create-image',
  },
  { step: 'alicloud:create-image', why: 'image create', fault: { action: 'CreateImage', code: 'QuotaExceed.Image' } },
  { step: 'alicloud:create-image', why: 'wait for the image', fault: { action: 'DescribeImages', code: 'Forbidden.RAM' }, at: 'alicloud:create-image' },
  { step: 'alicloud:create-image', why: 'the image fails on the cloud', delays: { imageAvailable: 'fail' }, error: /entered state CreateFailed/ },
  {
    step: 'alicloud:create-image',
    why: 'the image is never ready',
    delays: { imageAvailable: 'stuck' },
    over: { waitSnapshotReadyTimeout: '3s' },
    error: /waitSnapshotReadyTimeout/,
  },
  { step: 'alicloud:copy-share', why: 'image copy', over: COPY, fault: { action: 'CopyImage', code: 'InvalidAccount.Forbidden' } },
  { step: 'alicloud:copy-share', why: 'wait for the copy', over: COPY, fault: { action: 'DescribeImages', code: 'Forbidden.RAM' }, at: 'alicloud:copy-share' },
  {
    step: 'alicloud:copy-share',
    why: 'sharing',
    over: { ...COPY, imageShareAccount: ['1234567890123456'] },
    fault: { action: 'ModifyImageSharePermission', code: 'InvalidAccount.NotFound' },
    says: 'Deregistering the image and deleting associated snapshots because of cancellation, or error',
  },
]

// Each row on an emulator (seed 31) and a state directory of its own: the rows share nothing and
// mostly wait (polls, retries), so they run side by side.
describe.concurrent('a failure at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(cases.map((c) => [`${c.step}: ${c.why}${c.fault ? ` (${c.fault.action} ${c.fault.code})` : ''}`, c] as const))('%s', (_, c) =>
    isolated(
      ALICLOUD_MATRIX,
      async (m) => {
        if (c.delays) m.emu.setDelays(c.delays)
        const firedBefore = c.fault ? (m.emu.faultsFired()[c.fault.action] ?? 0) : 0
        // A create with tags in it (cloud-kit withOptionalPart) is sent once more without them after
        // any refusal, so its fault refuses both attempts, as a cloud refusing the call itself would.
        const times = OPTIONAL_PART_CREATES.has(c.fault?.action ?? '') ? 2 : 1
        const inject = () => m.emu.injectFault({ ...c.fault!, cloud: 'alicloud', times })
        if (c.fault && !c.at) inject()
        const r = await m.run({
          machine: c.machine ?? 'paper',
          ...(c.over && { over: c.over }),
          ...(c.provisioners && { provisioners: c.provisioners }),
          onEvent: (e) => {
            if (c.fault && c.at && e.type === 'step-start' && e.step === c.at) inject()
          },
        })
        expect(r.summary.outcome).toBe('failed')
        if (c.fault) expect((m.emu.faultsFired()[c.fault.action] ?? 0) - firedBefore, 'the fault fired').toBe(times)
        expect(r.summary.error?.message).toMatch(c.error ?? new RegExp(`${c.fault!.action} failed at .*: ${c.fault!.code.replace('.', '\\.')} \\(HTTP`))
        expect(failedStep(r.events)).toBe(c.step)
        if (c.says) expect(r.lines.join('\n')).toContain(c.says)
        await m.expectNothingLeft(r)
      },
      { seed: 31 },
    ),
  )
})
