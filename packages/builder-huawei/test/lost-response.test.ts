// A create (or job poll) whose answer is lost after the cloud acted: what it made is found
// and adopted or deleted, never made twice, never left behind.
import type { Fault } from '@tsimg/cloud-emulator'
import { beforeAll, describe, expect, it } from 'vitest'
import { failedStep, journalFiles, useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { HUAWEI_MATRIX, deleteImage, imageIdOf, userEip } from './support.js'

// Every row's subject is the API (an answer lost after the cloud acted) and the teardown: machines on paper.
const m = useCloudMatrix(HUAWEI_MATRIX)
// The user owns one unbound EIP from the start: for floatingIp, and to prove it is never released.
const user = {} as { eip: { id: string; address: string } }
beforeAll(async () => {
  user.eip = await userEip(m.emu)
})

const MEMBER = '0123456789abcdef0123456789abcdef'

/** Every call that makes something, the step that makes it, and an error the service could answer. */
const creates = [
  { action: 'NovaCreateKeypair', op: 'NovaCreateKeypair', step: 'huaweicloud:key-pair', code: 'Forbidden', status: 403 },
  { action: 'CreateVpc', op: 'CreateVpc', step: 'huaweicloud:network', code: 'VPC.0002', status: 400 },
  { action: 'CreateSubnet', op: 'CreateSubnet', step: 'huaweicloud:network', code: 'VPC.0002', status: 400 },
  { action: 'CreateSecurityGroup', op: 'CreateSecurityGroup', step: 'huaweicloud:security-group', code: 'VPC.0002', status: 400 },
  { action: 'CreateSecurityGroupRule', op: 'CreateSecurityGroupRule', step: 'huaweicloud:security-group', code: 'VPC.0002', status: 400 },
  { action: 'CreatePostPaidServers', op: 'CreatePostPaidServers', step: 'huaweicloud:server', code: 'Ecs.0005', status: 400 },
  { action: 'UpdatePublicip', op: 'UpdatePublicip', step: 'huaweicloud:server', code: 'VPC.0502', status: 400, floating: true },
  { action: 'CreateImage', op: 'CreateImage', step: 'huaweicloud:create-image', code: 'IMG.0001', status: 400 },
  { action: 'BatchAddMembers', op: 'BatchAddMembers', step: 'huaweicloud:create-image', code: 'IMG.0001', status: 400 },
] as const

const over = (floating = false) => ({ imageMembers: [MEMBER], ...(floating && { eipType: undefined, floatingIp: user.eip.id }) })

describe('a create whose answer is lost after the cloud acted', { timeout: 600_000 }, () => {
  it.each(creates)('$action acts, then answers a permanent error: the build fails at $step and what it made is found and deleted', async (c) => {
    m.emu.injectFault({ action: c.action, code: c.code, status: c.status, phase: 'after', times: 1, message: 'answer lost by the test' } as Fault)
    const r = await m.run({ machine: 'paper', over: over('floating' in c) })
    expect(r.summary.outcome, r.summary.error?.message).toBe('failed')
    // VPC v1, EIP and Nova errors lose their message in the SDK: the operation and status remain.
    expect(r.summary.error?.message).toMatch(new RegExp(`Huawei ${c.op} failed at http://127\\.0\\.0\\.1:\\d+: \\S+ \\(HTTP ${c.status}\\): `))
    expect(failedStep(r.events)).toBe(c.step)
    await m.expectNothingLeft(r, [user.eip.id])
    // The user's EIP was bound when the answer was lost: it is unbound, not released with the server.
    expect(m.emu.backend.publicIps.get(user.eip.id)?.instanceId).toBeUndefined()
  })

  it('every create and every job poll acts, then answers a 500: retries adopt what the first attempt made, and the build succeeds with one of each', async () => {
    const before = m.emu.faultsFired()
    const actions = [...creates.map((c) => c.action), 'ShowJob']
    for (const action of actions) m.emu.injectFault({ action, kind: 'internal', phase: 'after', times: 1 })
    const made = new Map<string, Set<string>>()
    const seen = setInterval(() => {
      for (const e of m.alive()) made.set(e.type, (made.get(e.type) ?? new Set()).add(e.id))
    }, 50)
    const src = over(true)
    const imageName = `tsimg-test-lost-${Math.random().toString(36).slice(2, 10)}`
    const r = await m.run({ machine: 'paper', over: { ...src, imageName } }).finally(() => clearInterval(seen))
    expect(r.summary.error?.message).toBeUndefined()
    const fired = m.emu.faultsFired()
    for (const action of actions) expect((fired[action] ?? 0) - (before[action] ?? 0), action).toBe(1)
    // One of each thing was ever alive: no retry made a second VPC, subnet, group, key pair, server or image.
    for (const type of ['key-pair', 'vpc', 'subnet', 'security-group', 'instance', 'image']) expect(made.get(type)?.size, type).toBe(1)
    expect([...m.emu.backend.images.values()].filter((img) => img.name === imageName)).toHaveLength(1)
    expect(m.emu.backend.images.get(imageIdOf(r))?.launchUsers.has(MEMBER)).toBe(true)
    expect(
      m
        .alive([user.eip.id])
        .map((e) => e.type)
        .sort(),
    ).toEqual(['image', 'snapshot'])
    expect(m.emu.backend.publicIps.get(user.eip.id)?.instanceId).toBeUndefined()
    expect(await journalFiles(m.stateDir)).toEqual([])
    await deleteImage(m.emu, imageIdOf(r))
  })
})
