// The same end-to-end build against real Alibaba Cloud: runs only with credentials and
// TSIMG_ALICLOUD_LIVE=1 (an opt-in, as the aws lane's TSIMG_AWS_LIVE=1: it costs money).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tsimgResources } from '@tsimg/builder-alicloud'
import { shell } from '@tsimg/provisioner-shell'
import { journalFiles, markerProvisioner, runBuild } from './support.js'

const live = Boolean(process.env.ALICLOUD_ACCESS_KEY && process.env.ALICLOUD_SECRET_KEY) && process.env.TSIMG_ALICLOUD_LIVE === '1'
const region = process.env.ALICLOUD_REGION ?? 'cn-hongkong'
const why = process.env.TSIMG_ALICLOUD_LIVE === '1' ? 'ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY are not set' : 'TSIMG_ALICLOUD_LIVE=1 is not set'
const ctx = () => ({ signal: AbortSignal.timeout(600_000), log: () => undefined })

describe.skipIf(!live)(`alicloud-ecs against real Alibaba Cloud (TSIMG_ALICLOUD_LIVE=1)${live ? '' : `: skipped, ${why}`}`, () => {
  const made: string[] = []
  let stateDir = ''
  afterAll(async () => {
    for (const id of made) await tsimgResources.deleteResource('image', { region, id }, ctx())
    if (stateDir) await rm(stateDir, { recursive: true, force: true })
  })

  it('builds a small image holding the provisioned file, then a build from it reads that file; nothing tagged with either build id remains', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'tsimg-ali-live-'))
    // Credentials and region come from ALICLOUD_* as in Packer; the instance is the smallest
    // burstable type unless told otherwise, the address an EIP (Packer's default).
    const base = {
      region,
      instanceType: process.env.TSIMG_ALICLOUD_INSTANCE_TYPE ?? 'ecs.t6-c1m1.large',
      sshUsername: 'root',
      imageName: `tsimg-live-${Date.now()}`,
      internetMaxBandwidthOut: 5,
      ...(process.env.TSIMG_ALICLOUD_SSH_CIDR && { temporarySecurityGroupSourceCidrs: [process.env.TSIMG_ALICLOUD_SSH_CIDR] }),
    }
    const first = await runBuild(
      { ...base, sourceImageFamily: process.env.TSIMG_ALICLOUD_SOURCE_FAMILY ?? 'acs:debian_12_x64' },
      { stateDir, provisioners: [markerProvisioner()] },
    )
    expect(first.summary.error?.message).toBeUndefined()
    const image = first.summary.artifacts[0]!.id.split(':')[1]!
    made.push(image)
    expect(first.summary.artifacts[0]!.description).toContain(`${region}: ${image}`)

    const second = await runBuild(
      { ...base, imageName: `${base.imageName}-2`, sourceImage: image },
      { stateDir, provisioners: [shell({ inline: ['cat /etc/tsimg-marker'] })] },
    )
    expect(second.summary.error?.message).toBeUndefined()
    expect(second.lines.join('\n')).toContain('made by tsimg')
    made.push(second.summary.artifacts[0]!.id.split(':')[1]!)

    // Every temporary resource of both builds is gone: nothing in the region still carries their build ids.
    const left = await tsimgResources.sweep!({ region }, [first.summary.buildId, second.summary.buildId], ctx())
    expect(left.map((r) => r.description)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  }, 3_600_000)
})
