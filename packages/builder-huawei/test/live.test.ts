// The same end-to-end build against real Huawei Cloud: runs only with HW_ACCESS_KEY,
// HW_SECRET_KEY, HW_REGION_NAME and TSIMG_HUAWEI_LIVE=1 (it buys a small post-paid server
// and EIP for a few minutes). See the README's "Live lane".
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tsimgResources, type HuaweicloudEcsInput } from '@tsimg/builder-huawei'
import { HuaweiApi } from '@tsimg/builder-huawei/api'
import { shell } from '@tsimg/provisioner-shell'
import { afterAll, describe, expect, it } from 'vitest'
import { journalFiles, markerProvisioner, runBuild } from './support.js'

const env = process.env
const missing = ['HW_ACCESS_KEY', 'HW_SECRET_KEY', 'HW_REGION_NAME', 'TSIMG_HUAWEI_LIVE'].filter((k) => !env[k])
const live = missing.length === 0 && env.TSIMG_HUAWEI_LIVE === '1'
const why = live ? '' : ` (skipped: ${missing.length ? `${missing.join(', ')} not set` : 'TSIMG_HUAWEI_LIVE is not 1'})`

describe.skipIf(!live)(`huaweicloudEcs against real Huawei Cloud${why}`, () => {
  const region = env.HW_REGION_NAME ?? ''
  // Only to rehearse the lane against a running emulator (`npx tsimg-cloud-emulator --cloud huaweicloud`).
  const endpoint = env.TSIMG_HUAWEI_ENDPOINT
  const images: string[] = []
  let stateDir = ''
  afterAll(async () => {
    if (images.length) {
      const api = new HuaweiApi({ region, accessKey: env.HW_ACCESS_KEY!, secretKey: env.HW_SECRET_KEY!, projectId: env.TSIMG_HUAWEI_PROJECT_ID, endpoint })
      const signal = AbortSignal.timeout(600_000)
      await api.projectId(signal)
      for (const id of images) await api.json('ims', 'GlanceDeleteImage', 'DELETE', `/v2/images/${id}`, { signal })
    }
    if (stateDir) await rm(stateDir, { recursive: true, force: true })
  })

  it('builds an image holding the provisioned file, and nothing tagged with either build id remains', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-live-'))
    const base = {
      region,
      flavor: env.TSIMG_HUAWEI_FLAVOR ?? 's6.small.1',
      sshUsername: 'root',
      eipType: '5_bgp',
      eipBandwidthSize: 1,
      volumeSize: 40,
      imageName: `tsimg-live-${Date.now()}`,
      pollDelay: '5s',
      ...(env.TSIMG_HUAWEI_PROJECT_ID && { projectId: env.TSIMG_HUAWEI_PROJECT_ID }),
      ...(endpoint && { endpoint }),
      ...(env.TSIMG_HUAWEI_SSH_CIDR && { temporarySecurityGroupSourceCidrs: [env.TSIMG_HUAWEI_SSH_CIDR] }),
    } satisfies Partial<HuaweicloudEcsInput>
    const first = await runBuild(
      {
        ...base,
        sourceImageFilter: {
          filters: { name: env.TSIMG_HUAWEI_SOURCE_IMAGE ?? 'Debian 12.0.0 64bit', __imagetype: 'gold', status: 'active' },
          mostRecent: true,
        },
      },
      { stateDir, provisioners: [markerProvisioner()] },
    )
    expect(first.summary.error?.message).toBeUndefined()
    const image = first.summary.artifacts[0]!.id.slice(region.length + 1)
    images.push(image)

    // A second build from that image, with no image of its own, reads the file back.
    const second = await runBuild(
      { ...base, sourceImage: image, skipCreateImage: true },
      { stateDir, provisioners: [shell({ inline: ['cat /etc/tsimg-marker'] })] },
    )
    expect(second.summary.error?.message).toBeUndefined()
    expect(second.lines.join('\n')).toContain('made by tsimg on huawei')

    expect(await journalFiles(stateDir)).toEqual([])
    for (const r of [first, second]) expect(r.text).not.toContain(env.HW_SECRET_KEY!)
    const signal = AbortSignal.timeout(300_000)
    const left = await tsimgResources.sweep!({ region, ...(endpoint && { endpoint }) }, [first.summary.buildId, second.summary.buildId], {
      signal,
      log: () => undefined,
    })
    expect(left.map((x) => x.description)).toEqual([])
  }, 3_600_000)
})

describe.skipIf(live)('huaweicloudEcs against real Huawei Cloud', () => {
  it.skip(`needs HW_ACCESS_KEY, HW_SECRET_KEY, HW_REGION_NAME and TSIMG_HUAWEI_LIVE=1${why}`, () => undefined)
})
