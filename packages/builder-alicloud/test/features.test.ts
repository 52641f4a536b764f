import { describe, expect, it } from 'vitest'
import { AlicloudApi } from '@tsimg/builder-alicloud/api'
import { createRequire } from 'node:module'
import { shell } from '@tsimg/provisioner-shell'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const Ecs = createRequire(import.meta.url)('@alicloud/ecs20140526') as typeof import('@alicloud/ecs20140526')

/**
 * An emulator (seed 35) and state directory, and what the builder sent to it, per call (the
 * emulator's Alibaba front end reports each call's parameters). One per test: the tests share
 * nothing and wait on instance containers, so they run side by side.
 */
function useOwn() {
  const sent: { action: string; params: Record<string, string> }[] = []
  const t = useEmulator({
    seed: 35,
    onCall: (c: { action: string; params?: Record<string, string> }) => sent.push({ action: c.action, params: c.params ?? {} }),
  })
  return { t, sent }
}
const copies = useOwn()
const noStop = useOwn()
const forced = useOwn()
const signal = new AbortController().signal
const api = (t: ReturnType<typeof useOwn>['t']) =>
  new AlicloudApi({
    credentials: { accessKey: t.emu.credentials.accessKeyId, secretKey: t.emu.credentials.secretAccessKey, source: 'test' },
    endpoint: t.emu.endpoint,
  })

describe.concurrent('alicloud-ecs options against the emulator', () => {
  it(
    'imageCopyRegions/imageCopyNames, imageShareAccount and forceStopInstance: the artifact lists region: image-id per region, each copy has its name, each image is shared',
    { timeout: 900_000 },
    async () => {
      const { t, sent } = copies
      const account = '1234567890123456'
      const { summary } = await runBuild(
        emulatorSource(t.emu, {
          imageCopyRegions: ['cn-hangzhou', 'cn-shanghai'],
          imageCopyNames: ['tsimg-copy-hz', 'tsimg-copy-sh'],
          imageShareAccount: [account],
          forceStopInstance: true,
        }),
        { stateDir: t.stateDir },
      )
      expect(summary.error?.message).toBeUndefined()
      const artifact = summary.artifacts[0]!
      const lines = artifact.description.split('\n').slice(2)
      expect(lines.map((l) => l.split(': ')[0])).toEqual(['cn-beijing', 'cn-hangzhou', 'cn-shanghai'])
      const ids = Object.fromEntries(lines.map((l) => l.split(': ') as [string, string]))
      expect(artifact.id).toBe(
        Object.entries(ids)
          .map(([r, id]) => `${r}:${id}`)
          .join(','),
      )

      const a = api(t)
      for (const [region, name] of [
        ['cn-hangzhou', 'tsimg-copy-hz'],
        ['cn-shanghai', 'tsimg-copy-sh'],
      ] as const) {
        const res = await a.ecs('DescribeImages', region, (c) => c.describeImages(new Ecs.DescribeImagesRequest({ regionId: region, imageId: ids[region] })), {
          signal,
        })
        expect(res.body?.images?.image?.[0]?.imageName).toBe(name)
      }
      for (const [region, imageId] of Object.entries(ids)) {
        const res = await a.ecs(
          'DescribeImageSharePermission',
          region,
          (c) => c.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: region, imageId })),
          { signal },
        )
        expect(
          res.body?.accounts?.account?.map((x) => x.aliyunId),
          region,
        ).toEqual([account])
      }
      expect(sent.filter((c) => c.action === 'StopInstance').map((c) => c.params.ForceStop)).toEqual(['true'])
      expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
      expect(await journalFiles(t.stateDir)).toEqual([])
      await t.emu.reset()
    },
  )

  it('disableStopInstance: no StopInstance is sent; the build waits until the provisioning stops the instance itself', { timeout: 900_000 }, async () => {
    const { t, sent } = noStop
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { disableStopInstance: true }), {
      stateDir: t.stateDir,
      // The base image has no init: its PID 1 is sshd, so ending it is the machine shutting down.
      provisioners: [
        shell({ inline: ['echo "made by tsimg" > /etc/tsimg-marker', 'nohup sh -c "sleep 1; kill -TERM 1" >/dev/null 2>&1 &'], expectDisconnect: true }),
      ],
    })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome).toBe('success')
    expect(lines).toContain('Automatic instance stop disabled. Please stop instance manually.')
    expect(sent.filter((c) => c.action === 'StopInstance')).toEqual([])
    expect(sent.some((c) => c.action === 'CreateImage')).toBe(true)
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it(
    'imageForceDelete: prevalidation skips the image-name check as Packer does; the older image of that name is deleted and replaced',
    { timeout: 900_000 },
    async () => {
      const { t, sent } = forced
      const imageName = `tsimg-force-${Math.random().toString(36).slice(2, 8)}`
      const first = await runBuild(emulatorSource(t.emu, { imageName }), { stateDir: t.stateDir })
      expect(first.summary.outcome, first.summary.error?.message).toBe('success')
      const old = first.summary.artifacts[0]!.id.split(':')[1]!
      sent.length = 0
      const { summary, lines } = await runBuild(emulatorSource(t.emu, { imageName, imageForceDelete: true, imageForceDeleteSnapshots: true }), {
        stateDir: t.stateDir,
      })
      expect(summary.outcome, summary.error?.message).toBe('success')
      expect(lines).toContain('Force delete flag found, skipping prevalidating image name.')
      expect(lines).not.toContain('Prevalidating image name...')
      // The only image-name lookup is the create step's, which deletes the old image: none before the key pair.
      const beforeKey = sent.slice(
        0,
        sent.findIndex((c) => c.action === 'ImportKeyPair'),
      )
      expect(beforeKey.filter((c) => c.action === 'DescribeImages' && c.params.ImageName === imageName)).toEqual([])
      expect(sent.filter((c) => c.action === 'DescribeImages' && c.params.ImageName === imageName).length).toBeGreaterThan(0)
      expect(lines).toContain(`Deleted image: ${old}`)
      // Images of that name only: the file's earlier tests keep images of their own.
      const images = leftovers(t.emu).filter((e) => e.type === 'image' && e.name === imageName)
      expect(images.map((e) => e.id)).toEqual([summary.artifacts[0]!.id.split(':')[1]])
      expect(await journalFiles(t.stateDir)).toEqual([])
      await t.emu.reset()
    },
  )
})
