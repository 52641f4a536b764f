// Seeds 001 and 002 built twice, unchanged: by HashiCorp Packer 1.6.6's alicloud-ecs (through
// the emulator as HTTP proxy) and by `tsimg build`, each against an emulator of its own, side
// by side. Both must build and leave only the image and its snapshot; then their whole output
// and call sequences are compared: the lines both print come in the same order, and every line
// and call only one of them has is in the lists below, which builder-alicloud/README.md
// explains row by row. A new difference fails here until it is explained there.
import { join } from 'node:path'
import type { CallRecord } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasPacker, runPackerFile } from '../../cloud-emulator/test/alicloud-packer.js'
import { buildYumImage, fixtures, madeImage, removeYumImage, seed002Profile, seedEmulator } from './support/alicloud-seeds.js'
import { tsimg } from './support/cli.js'

const cleanups: (() => Promise<unknown>)[] = []
const packer = await hasPacker()
beforeAll(() => buildYumImage(), 300_000)
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined)
  removeYumImage()
}, 300_000)

/** A line with what differs from run to run (ids, addresses, names, times) replaced. */
function normalize(line: string): string {
  return line
    .replace(/\b(vpc|vsw|sg|i|m|eip|s)-[a-z0-9]{8,}\b/g, '$1-<id>')
    .replace(/\b127\.\d+\.\d+\.\d+\b/g, '<ip>')
    .replace(/packer_[0-9a-f-]{36}|tsimg-[a-z0-9]{10}/g, '<key pair>')
    .replace(/test_image\d+/g, 'test_image<timestamp>')
    .replace(/\[\d{8} \d\d:\d\d:\d\d\]/g, '[<time>]')
    .replace(/\/tmp\/packer-shell\d+/g, '/tmp/packer-shell<n>')
    .replace(/ after .*\.$/, ' after <duration>.')
    .replace(/^(==> Wait completed after ).*$/, '$1<duration>')
    .trimEnd()
}

/** Lines of `a` that `b` also has, in `a`'s order. */
const shared = (a: string[], b: string[]) => a.filter((l) => b.includes(l))
const only = (a: string[], b: string[]) => a.filter((l) => !b.includes(l))
const actions = (calls: CallRecord[]) => calls.map((c) => c.action)

/** Lines only Packer prints (normalized), and why: see the README's table. */
const PACKER_ONLY_LINES = [
  '    alicloud-ecs: Attach keypair <key pair> to instance: i-<id>', // Key pair row
  '==> alicloud-ecs: Using ssh communicator to connect: <ip>', // Connect line row
  '==> alicloud-ecs: Waiting for SSH to become available...', // Connect line row
  '    alicloud-ecs: Detach keypair <key pair> from instance: i-<id>', // Key pair row
]
const TSIMG_ONLY_LINES = [
  'alicloud-ecs: output will be in this color.', // Color line row
  '==> alicloud-ecs: Waiting for instance i-<id> to become running...', // Waits row
  '==> alicloud-ecs: Waiting for EIP eip-<id> to be associated...', // Waits row
  '==> alicloud-ecs: Using SSH communicator to connect: <ip>', // Connect line row
  '    alicloud-ecs: Created image: m-<id>', // Image line row
  '==> alicloud-ecs: Waiting for image m-<id> (<region>) to become available...', // Waits row
]
/**
 * Lines both print, in another place: tsimg's RunInstances starts the instance, so it says so
 * before the EIP (Packer: after attaching its key pair), and says the EIP once it is associated.
 */
const MOVED = ['==> alicloud-ecs: Starting instance: i-<id>', '    alicloud-ecs: Allocated eip: <ip>']
/** Calls only one of them makes, and why: the README's table. */
const PACKER_ONLY_CALLS = [
  'CreateKeyPair',
  'DescribeVpcs',
  'DescribeVSwitches',
  'AuthorizeSecurityGroupEgress',
  'CreateInstance',
  'AttachKeyPair',
  'StartInstance',
  'ModifyImageSharePermission',
  'DetachKeyPair',
]
const TSIMG_ONLY_CALLS = ['GetCallerIdentity', 'ImportKeyPair', 'RunInstances', 'TagResources', 'UntagResources']

const seeds = [
  {
    seed: '001',
    dir: 'seed-001',
    region: 'cn-hangzhou',
    profile: () => ({}),
    packerOnly: [],
    tsimgOnly: [],
    packerOnlyCalls: [],
  },
  {
    seed: '002',
    dir: 'seed-002',
    region: 'cn-beijing',
    profile: seed002Profile,
    // The template's `tags`: Packer tags the image after CreateImage; tsimg sends them with it (Image tags row).
    packerOnly: [
      '==> alicloud-ecs: Adding tags(map[app:web version:v1.0.0]) to image: m-<id>',
      '==> alicloud-ecs: Provisioning with shell script: /tmp/packer-shell<n>',
    ],
    tsimgOnly: ['==> alicloud-ecs: Provisioning with shell script: inline (2 commands)'],
    packerOnlyCalls: ['AddTags'],
  },
]

// The seeds share nothing (each build has an emulator of its own): they run side by side too,
// so the file takes seed 002's build (its template sleeps 30 s) instead of both seeds' one after the other.
describe.skipIf(!packer)('Packer 1.6.6 and tsimg on the Alibaba seeds, compared', { timeout: 1_200_000, concurrent: true }, () => {
  it.each(seeds)(
    'seed $seed: both build and leave only the image and its snapshot; shared lines in the same order; every other line and call is an explained difference',
    async (s) => {
      const p = await seedEmulator(cleanups, s.profile())
      const t = await seedEmulator(cleanups, s.profile())
      const cwd = join(fixtures, s.dir)
      const t0 = performance.now()
      const [pr, tr] = await Promise.all([
        runPackerFile(new URL(p.emu.endpoint).host, 'alicloud.json', {
          cwd,
          env: { ALICLOUD_ACCESS_KEY: p.emu.credentials.accessKeyId, ALICLOUD_SECRET_KEY: p.emu.credentials.secretAccessKey },
        }).then((r) => ({ code: r.code, out: r.output, ms: performance.now() - t0 })),
        tsimg(['build', 'alicloud.json'], t.env, cwd).then((r) => ({ code: r.code, out: r.out, ms: performance.now() - t0 })),
      ])
      expect(pr.code, pr.out).toBe(0)
      expect(tr.code, tr.out).toBe(0)
      // Both leave only what they were asked to make.
      await madeImage(p.emu, p.stateDir)
      await madeImage(t.emu, t.stateDir)
      console.log(
        `seed ${s.seed}: Packer ${p.calls.length} calls, ${(pr.ms / 1000).toFixed(0)} s; tsimg ${t.calls.length} calls, ${(tr.ms / 1000).toFixed(0)} s (side by side)`,
      )

      const lines = (out: string) =>
        out
          .split('\n')
          .map(normalize)
          .map((l) => l.replace(` (${s.region})`, ' (<region>)'))
          .filter((l) => l !== '')
      const pl = lines(pr.out)
      const tl = lines(tr.out)
      const inPlace = (a: string[], b: string[]) => shared(a, b).filter((l) => !MOVED.includes(l))
      expect(inPlace(pl, tl).length, 'lines both print').toBeGreaterThan(25)
      expect(inPlace(pl, tl), 'the lines both print, in the same order').toEqual(inPlace(tl, pl))
      for (const l of MOVED) expect([pl.includes(l), tl.includes(l)], l).toEqual([true, true])
      expect(only(pl, tl).sort(), 'lines only Packer prints').toEqual([...PACKER_ONLY_LINES, ...s.packerOnly].sort())
      expect(only(tl, pl).sort(), 'lines only tsimg prints').toEqual([...TSIMG_ONLY_LINES, ...s.tsimgOnly].sort())

      const pc = actions(p.calls)
      const tc = actions(t.calls)
      expect([...new Set(only(pc, tc))].sort(), 'calls only Packer makes').toEqual([...PACKER_ONLY_CALLS, ...s.packerOnlyCalls].sort())
      expect([...new Set(only(tc, pc))].sort(), 'calls only tsimg makes').toEqual([...TSIMG_ONLY_CALLS].sort())
      // Packer's teardown meets the security group's dependency on the going instance; tsimg waits for the instance first.
      expect(p.calls.some((c) => c.action === 'DeleteSecurityGroup' && c.code === 'DependencyViolation')).toBe(true)
      expect(
        t.calls.filter((c) => c.status >= 400),
        'tsimg calls refused',
      ).toEqual([])
    },
  )
})
