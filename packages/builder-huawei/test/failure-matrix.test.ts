// A failure at each API call huaweicloud-ecs makes: the build fails naming the call, and
// nothing it made survives (emulator ledger, journal), no cleanup fails, no secret is printed.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { HuaweicloudEcsInput } from '@tsimg/builder-huawei'
import type { Fault, MachineMode } from '@tsimg/cloud-emulator'
import type { ProvisionerPlugin } from '@tsimg/core'
import { cleanupLeftovers } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'
import { beforeAll, describe, expect, it } from 'vitest'
import { cleanupErrors, failedStep, isolated, journalFiles, useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX, deleteImage, imageIdOf, userEip } from './support.js'

const m = useCloudMatrix(HUAWEI_MATRIX)
// The user owns one unbound EIP from the start: for floatingIp, and to prove it is never released
// (the rows on emulators of their own make one each).
const user = {} as { eip: { id: string; address: string } }
beforeAll(async () => {
  user.eip = await userEip(m.emu)
})

const MEMBER = '0123456789abcdef0123456789abcdef'
const failing = (): ProvisionerPlugin<any>[] => [shell({ inline: ['echo breaking; exit 3'] })]

interface Case {
  step: string
  why: string
  /** Where the machine runs: on paper unless SSH or provisioning is the subject (default 'paper'). */
  machine?: MachineMode
  fault?: Omit<Fault, 'times'>
  over?: Partial<HuaweicloudEcsInput>
  provisioners?: ProvisionerPlugin<any>[]
  error: RegExp
}

/** A refusal, once, in the service's own words. */
const refuse = (action: string, code: string, status = 400): Omit<Fault, 'times'> => ({ action, code, status, message: `refused by the test (${action})` })
// VPC v1, EIP and Nova answers lose their code and message in the SDK: the operation and status are what is left.
const apiError = (op: string) => new RegExp(`Huawei ${op} failed at http://127\\.0\\.0\\.1:\\d+: \\S+ \\(HTTP 4\\d\\d\\): `)
const jobError = (what: string, code: string) =>
  new RegExp(`Error waiting for ${what} \\S+ \\(job \\S+\\) to finish: job \\S+ failed: ${code.replace('.', '\\.')}`)

const cases: Case[] = [
  {
    step: 'huaweicloud:prevalidate',
    why: 'KeystoneListProjects (project id) refused',
    fault: refuse('KeystoneListProjects', 'Forbidden', 403),
    error: apiError('KeystoneListProjects'),
  },
  { step: 'huaweicloud:prevalidate', why: 'ListImages (image name check) refused', fault: refuse('ListImages', 'IMG.0001'), error: apiError('ListImages') },
  {
    step: 'huaweicloud:prevalidate',
    why: 'NovaListAvailabilityZones refused',
    fault: refuse('NovaListAvailabilityZones', 'Forbidden', 403),
    error: apiError('NovaListAvailabilityZones'),
  },
  { step: 'huaweicloud:prevalidate', why: 'ListFlavors refused', fault: refuse('ListFlavors', 'Ecs.0005'), error: apiError('ListFlavors') },
  {
    step: 'huaweicloud:prevalidate',
    why: 'no zone offers the flavor',
    over: { flavor: 'x9.huge.8' },
    error: /No availability zone of cn-north-4 offers flavor x9\.huge\.8/,
  },
  {
    step: 'huaweicloud:source-image',
    why: 'ListImages (source image) refused',
    over: { skipCreateImage: true },
    fault: refuse('ListImages', 'IMG.0001'),
    error: apiError('ListImages'),
  },
  {
    step: 'huaweicloud:source-image',
    why: 'unknown source image id',
    over: { sourceImageName: undefined, sourceImage: '00000000-0000-0000-0000-000000000000' },
    error: /No active image with id 00000000-0000-0000-0000-000000000000/,
  },
  { step: 'huaweicloud:key-pair', why: 'NovaCreateKeypair refused', fault: refuse('NovaCreateKeypair', 'BadRequest'), error: apiError('NovaCreateKeypair') },
  { step: 'huaweicloud:network', why: 'CreateVpc refused', fault: refuse('CreateVpc', 'VPC.0002'), error: apiError('CreateVpc') },
  {
    step: 'huaweicloud:network',
    why: 'tagging the VPC refused (after it exists)',
    fault: refuse('BatchCreateDeleteVpcTags', 'VPC.0002'),
    error: apiError('BatchCreateVpcTags'),
  },
  { step: 'huaweicloud:network', why: 'CreateSubnet refused', fault: refuse('CreateSubnet', 'VPC.0002'), error: apiError('CreateSubnet') },
  {
    step: 'huaweicloud:network',
    why: 'tagging the subnet refused (after it exists)',
    fault: refuse('BatchCreateDeleteSubnetTags', 'VPC.0002'),
    error: apiError('BatchCreateSubnetTags'),
  },
  {
    step: 'huaweicloud:security-group',
    why: 'CreateSecurityGroup refused',
    fault: refuse('CreateSecurityGroup', 'VPC.0002'),
    error: apiError('CreateSecurityGroup'),
  },
  {
    step: 'huaweicloud:security-group',
    why: 'tagging the group refused (after it exists)',
    fault: refuse('BatchCreateDeleteSecurityGroupTags', 'VPC.0002'),
    error: apiError('BatchCreateSecurityGroupTags'),
  },
  {
    step: 'huaweicloud:security-group',
    why: 'CreateSecurityGroupRule refused',
    fault: refuse('CreateSecurityGroupRule', 'VPC.0002'),
    error: apiError('CreateSecurityGroupRule'),
  },
  {
    step: 'huaweicloud:server',
    why: 'CreatePostPaidServers refused (EIP bought with it)',
    fault: refuse('CreatePostPaidServers', 'Ecs.0005'),
    error: apiError('CreatePostPaidServers'),
  },
  {
    step: 'huaweicloud:server',
    why: 'the server job fails (server and EIP already made)',
    fault: { action: 'job:createServer', code: 'Ecs.0010', message: 'no capacity' },
    error: jobError('server', 'Ecs.0010'),
  },
  { step: 'huaweicloud:server', why: 'ShowServer refused while waiting for ACTIVE', fault: refuse('ShowServer', 'Ecs.0005'), error: apiError('ShowServer') },
  {
    step: 'huaweicloud:server',
    why: 'binding floatingIp refused (UpdatePublicip)',
    over: { eipType: undefined, floatingIp: 'EIP' },
    fault: refuse('UpdatePublicip', 'VPC.0502'),
    error: apiError('UpdatePublicip'),
  },
  {
    step: 'huaweicloud:server',
    why: 'ListServerInterfaces refused (port for floatingIp)',
    over: { eipType: undefined, floatingIp: 'EIP' },
    fault: refuse('ListServerInterfaces', 'Ecs.0005'),
    error: apiError('ListServerInterfaces'),
  },
  {
    step: 'ssh:connect',
    why: 'login refused',
    machine: 'container',
    over: { sshUsername: 'nobody', sshHandshakeAttempts: 1, sshTimeout: '10s' } as Partial<HuaweicloudEcsInput>,
    error: /./,
  },
  { step: 'provision', why: 'a failing provisioner', machine: 'container', provisioners: failing(), error: /3/ },
  { step: 'huaweicloud:stop', why: 'BatchStopServers refused', fault: refuse('BatchServerAction', 'Ecs.0005'), error: apiError('BatchStopServers') },
  {
    step: 'huaweicloud:stop',
    why: 'the stop job fails',
    fault: { action: 'job:batchStopServer', code: 'Ecs.0000', message: 'stop failed' },
    error: jobError('stopping server', 'Ecs.0000'),
  },
  { step: 'huaweicloud:create-image', why: 'CreateImage refused', fault: refuse('CreateImage', 'IMG.0001'), error: apiError('CreateImage') },
  {
    step: 'huaweicloud:create-image',
    why: 'the IMS image job fails (Packer leaks this image)',
    fault: { action: 'job:createImage', code: 'IMG.0002', message: 'image job failed' },
    error: jobError('image', 'IMG.0002'),
  },
  {
    step: 'huaweicloud:create-image',
    why: 'GlanceShowImage refused while waiting for active',
    fault: refuse('GlanceShowImage', 'IMG.0001'),
    error: apiError('GlanceShowImage'),
  },
  {
    step: 'huaweicloud:create-image',
    why: 'the members job fails',
    over: { imageMembers: [MEMBER] },
    fault: { action: 'job:batchAddMembers', code: 'IMG.0002', message: 'share failed' },
    error: jobError('sharing image', 'IMG.0002'),
  },
]

// Each row on an emulator and a state directory of its own, with its user's own unbound EIP: the
// rows share nothing and mostly wait (jobs, polls, retries), so they run side by side.
describe.concurrent('a failure at any call fails the build naming it and leaves nothing behind', { timeout: 600_000 }, () => {
  it.each(cases.map((c) => [`${c.step}: ${c.why}`, c] as const))('%s', (_, c) =>
    isolated(HUAWEI_MATRIX, async (m) => {
      const user = { eip: await userEip(m.emu) }
      const before = m.emu.faultsFired()[c.fault?.action ?? ''] ?? 0
      if (c.fault) m.emu.injectFault({ ...c.fault, times: 1 })
      const over = c.over?.floatingIp === 'EIP' ? { ...c.over, floatingIp: user.eip.id } : c.over
      const r = await m.run({ machine: c.machine ?? 'paper', ...(over && { over }), ...(c.provisioners && { provisioners: c.provisioners }) })
      if (c.fault) expect(m.emu.faultsFired()[c.fault.action], 'the fault fired').toBe(before + 1)
      expect(r.summary.outcome).toBe('failed')
      expect(r.summary.error?.message).toMatch(c.error)
      expect(failedStep(r.events)).toBe(c.step)
      // The user's own EIP is neither deleted nor left bound.
      await m.expectNothingLeft(r, [user.eip.id])
      expect(m.emu.backend.publicIps.get(user.eip.id)?.instanceId).toBeUndefined()
    }),
  )
})

describe('the deletes', { timeout: 600_000 }, () => {
  it('huaweicloud:create-image: BatchAddMembers (imageMembers) refused, then every delete (server, group, subnet, VPC, key pair, image) answers 500 twice: each is retried, nothing is left', async () => {
    const deletes = ['DeleteServers', 'DeleteSecurityGroup', 'DeleteSubnet', 'DeleteVpc', 'NovaDeleteKeypair', 'GlanceDeleteImage']
    const before = m.emu.faultsFired()
    for (const action of deletes) m.emu.injectFault({ action, kind: 'internal', times: 2 })
    // The build fails after its image exists, so that the image is deleted too.
    m.emu.injectFault({ ...refuse('BatchAddMembers', 'IMG.0001'), times: 1 })
    const r = await m.run({ machine: 'paper', over: { imageMembers: [MEMBER] } })
    const fired = m.emu.faultsFired()
    for (const action of deletes) expect((fired[action] ?? 0) - (before[action] ?? 0), action).toBe(2)
    expect(r.summary.error?.message).toMatch(apiError('BatchAddMembers'))
    expect(failedStep(r.events)).toBe('huaweicloud:create-image')
    await m.expectNothingLeft(r, [user.eip.id])
  })

  it('a delete refused for good is reported with the resource, stays journaled, and tsimg cleanup deletes it', async () => {
    m.emu.injectFault({ ...refuse('NovaDeleteKeypair', 'Forbidden', 403), times: 1 })
    m.emu.injectFault({ ...refuse('DeleteVpc', 'VPC.0002'), times: 1 })
    // Fails once the key pair, VPC and subnet exist, before any server.
    m.emu.injectFault({ ...refuse('CreateSecurityGroup', 'VPC.0002'), times: 1 })
    const r = await m.run({ machine: 'paper' })
    expect(r.summary.error?.message).toMatch(apiError('CreateSecurityGroup'))
    expect(cleanupErrors(r.events).join('\n')).toMatch(/huaweicloud:key-pair: .*NovaDeleteKeypair/)
    expect(cleanupErrors(r.events).join('\n')).toMatch(/huaweicloud:network: .*DeleteVpc/)
    expect(
      m
        .alive([user.eip.id])
        .map((e) => e.type)
        .sort(),
    ).toEqual(['key-pair', 'vpc'])
    expect(r.summary.leftovers.map((l) => l.description).join('\n')).toMatch(/key pair[\s\S]*VPC|VPC[\s\S]*key pair/)
    expect(await journalFiles(m.stateDir)).toHaveLength(1)
    m.expectNoSecret(r.text)

    // The build is over, but its journal names this test's (live) process: make it look like what
    // `tsimg cleanup` meets after the build's process has exited.
    const [file] = await journalFiles(m.stateDir)
    const path = join(m.stateDir, 'journal', file!)
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), pid: deadPid() }))
    const saved = { ak: process.env.HW_ACCESS_KEY, sk: process.env.HW_SECRET_KEY }
    process.env.HW_ACCESS_KEY = m.emu.credentials.accessKeyId
    process.env.HW_SECRET_KEY = m.emu.credentials.secretAccessKey
    const log: string[] = []
    try {
      const report = await cleanupLeftovers({ stateDir: m.stateDir, log: (l) => log.push(l) })
      expect(report.failed).toEqual([])
      expect(report.deleted, log.join('\n')).toBe(2)
    } finally {
      for (const [k, v] of [
        ['HW_ACCESS_KEY', saved.ak],
        ['HW_SECRET_KEY', saved.sk],
      ] as const)
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
    expect(m.alive([user.eip.id])).toEqual([])
    expect(await journalFiles(m.stateDir)).toEqual([])
    m.expectNoSecret(log.join('\n'))
  })

  it('un-tagging the kept image refused: the build succeeds, says which tag to remove by hand, and leaves only its image', async () => {
    m.emu.injectFault({ ...refuse('BatchAddOrDeleteTags', 'IMG.0001'), times: 1 })
    const r = await m.run({ machine: 'paper' })
    expect(r.summary.error?.message).toBeUndefined()
    expect(r.lines.join('\n')).toMatch(/is kept, but its temporary tsimg-build-id tag could not be removed .*BatchAddOrDeleteTags.*Remove that tag by hand/)
    expect(cleanupErrors(r.events)).toEqual([])
    expect(
      m
        .alive([user.eip.id])
        .map((e) => e.type)
        .sort(),
    ).toEqual(['image', 'snapshot'])
    expect(await journalFiles(m.stateDir)).toEqual([])
    m.expectNoSecret(r.text)
    await deleteImage(m.emu, imageIdOf(r))
  })
})

/** A pid no process has now. */
function deadPid(): number {
  let pid = 4_000_000
  while (existsSync(`/proc/${pid}`)) pid--
  return pid
}
