import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AmazonEbsInput } from '@tsimg/builder-aws'
import type { ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import { FAST_DELAYS, emulatorSource, journalFiles, leftovers, removeDir, runBuild, startEmulator, tempStateDir, type Emulator } from './support.js'

let emu: Emulator
let stateDir: string
beforeAll(async () => {
  emu = await startEmulator()
})
beforeEach(async () => {
  stateDir = await tempStateDir()
})
afterEach(async () => {
  emu.setDelays(FAST_DELAYS)
  emu.clearFaults()
  await removeDir(stateDir)
})
afterAll(async () => {
  await emu?.stop()
})

interface Case {
  /** The step that must fail. */
  step: string
  why: string
  over?: Partial<AmazonEbsInput>
  fault?: { action: string; code: string; times?: number }
  delays?: Record<string, number | 'stuck'>
  provisioners?: ProvisionerPlugin<any>[]
  error: RegExp
}

// Non-retryable faults, one call each: the build must fail at that step and leave nothing.
const cases: Case[] = [
  { step: 'aws:prevalidate', why: 'DescribeImages denied', fault: { action: 'DescribeImages', code: 'UnauthorizedOperation', times: 1 }, error: /Injected UnauthorizedOperation/ },
  { step: 'aws:prevalidate', why: 'unknown vpcId', over: { vpcId: 'vpc-0123456789abcdef0' }, error: /vpc-0123456789abcdef0/ },
  { step: 'aws:source-ami', why: 'unknown source AMI', over: { sourceAmi: 'ami-0123456789abcdef0', sourceAmiFilter: undefined }, error: /ami-0123456789abcdef0/ },
  { step: 'aws:network-info', why: 'DescribeSubnets denied', fault: { action: 'DescribeSubnets', code: 'UnauthorizedOperation', times: 1 }, error: /UnauthorizedOperation/ },
  { step: 'aws:network-info', why: 'no subnet in the availability zone', over: { availabilityZone: 'us-east-1x' }, error: /us-east-1x/ },
  { step: 'aws:key-pair', why: 'ImportKeyPair rejected', fault: { action: 'ImportKeyPair', code: 'InvalidKeyPair.Format', times: 1 }, error: /InvalidKeyPair.Format/ },
  { step: 'aws:security-group', why: 'ingress rule rejected after the group exists', fault: { action: 'AuthorizeSecurityGroupIngress', code: 'InvalidPermission.Malformed', times: 1 }, error: /InvalidPermission.Malformed/ },
  { step: 'aws:run-instance', why: 'RunInstances rejected', fault: { action: 'RunInstances', code: 'InvalidParameterValue', times: 1 }, error: /InvalidParameterValue/ },
  { step: 'aws:run-instance', why: 'instance never runs (wait times out)', delays: { instanceRunning: 'stuck' }, over: { pollAttempts: 10 }, error: /Timed out waiting for instance/ },
  { step: 'ssh:connect', why: 'login refused', over: { sshUsername: 'nobody', sshHandshakeAttempts: 1, sshTimeout: '20s' } as Partial<AmazonEbsInput>, error: /./ },
  { step: 'provision', why: 'a failing provisioner', provisioners: [shell({ inline: ['echo breaking; exit 3'] })], error: /3/ },
  { step: 'aws:stop-instance', why: 'StopInstances rejected', fault: { action: 'StopInstances', code: 'IncorrectInstanceState', times: 1 }, error: /IncorrectInstanceState/ },
  { step: 'aws:create-image', why: 'CreateImage rejected', fault: { action: 'CreateImage', code: 'InvalidAMIName.Malformed', times: 1 }, error: /InvalidAMIName.Malformed/ },
  // imagePollAttempts bounds the AMI wait alone: the instance start keeps the generous pollAttempts, so a slow machine cannot fail the build early.
  { step: 'aws:create-image', why: 'AMI never becomes available (wait times out after CreateImage answered)', delays: { imageAvailable: 'stuck' }, over: { pollDelay: '200ms', imagePollAttempts: 25 }, error: /Timed out waiting for AMI ami-\w+ \(us-east-1\) to become ready: still 'pending' after 25 polls.*imagePollAttempts/ },
  { step: 'aws:copy-images', why: 'CopyImage rejected', over: { amiRegions: ['us-west-2'] }, fault: { action: 'CopyImage', code: 'InvalidRequest', times: 1 }, error: /InvalidRequest/ },
  { step: 'aws:modify-image', why: 'sharing rejected', over: { amiUsers: ['210987654321'] }, fault: { action: 'ModifyImageAttribute', code: 'InvalidAMIAttributeItemValue', times: 1 }, error: /InvalidAMIAttributeItemValue/ },
  { step: 'aws:tag-image', why: 'tagging rejected', over: { tags: { Name: 'x' } }, fault: { action: 'CreateTags', code: 'InvalidParameterValue', times: 1 }, error: /InvalidParameterValue/ },
]

describe('a failure at any step leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(cases.map((c) => [`${c.step}: ${c.why}`, c] as const))('%s', async (_, c) => {
    if (c.delays) emu.setDelays(c.delays)
    if (c.fault) emu.injectFault(c.fault)
    const { summary, events } = await runBuild(emulatorSource(emu, c.over), { stateDir, ...(c.provisioners ? { provisioners: c.provisioners } : {}) })
    expect(summary.outcome).toBe('failed')
    expect(summary.error?.message).toMatch(c.error)
    const failedStep = events.find((e) => e.type === 'step-end' && e.error)
    expect(failedStep && 'step' in failedStep ? failedStep.step : undefined).toBe(c.step)
    expect(events.filter((e) => e.type === 'cleanup-end' && e.error)).toEqual([])
    expect(leftovers(emu)).toEqual([])
    expect(summary.leftovers).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  })
})
