/**
 * examples/ansible builds: one playbook with a role on two docker sources in parallel, through
 * the local proxy, then directly; each image holds what the role put there.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BASE_IMAGE, NOTHING, RUN_ID, runInImage } from '../../builder-docker/test/helpers.js'
import { filesUnder, processesMentioning, useBuildBox } from './helpers.js'

const TEMPLATE = join(import.meta.dirname, '../../../examples/ansible/image.ts')
const tag = `t-${RUN_ID}`
const images = ['web', 'worker'].map((n) => `tsimg/golden-${n}:${tag}`)
const bb = useBuildBox(images)

/** Container builds on a busy two-core machine: a generous bound, never a measured duration. */
const BUILD_BOUND_MS = 15 * 60_000

/** What the role put in the image: the motd, the build record, the admin user's groups, sshd settings. */
const contents = (image: string) => runInImage(image, 'cat /etc/motd /etc/golden-image; id -nG ops; cat /etc/ssh/sshd_config.d/50-golden.conf')

describe('examples/ansible', () => {
  it(
    'applies the role to both sources in parallel through the proxy',
    async () => {
      const res = await bb.box.run({ templateFile: TEMPLATE, vars: { base_image: BASE_IMAGE, tag }, force: true })
      expect(res.builds.map((b) => [b.name, b.outcome, b.error])).toEqual([
        ['docker.web', 'success', undefined],
        ['docker.worker', 'success', undefined],
      ])
      expect(res.lines).toContain('Setting up proxy adapter for Ansible...')
      for (const [i, name] of ['web', 'worker'].entries()) {
        const out = await contents(images[i]!)
        expect(out).toContain(`source: ${name} (docker), host default`)
        expect(out).toContain(`build=${name}\nbuilder=docker\ndistribution=Debian 12`)
        expect(out).toContain('ops sudo')
        expect(out).toContain('PasswordAuthentication no')
      }
      for (const b of res.builds) expect(await bb.box.leftovers(b.buildId)).toEqual(NOTHING)
      expect(await filesUnder(bb.tmp)).toEqual([])
      expect(await processesMentioning(bb.tmp)).toEqual([])
    },
    BUILD_BOUND_MS,
  )

  it(
    'builds with ansible connecting directly (use_proxy=false)',
    async () => {
      const res = await bb.box.run({ templateFile: TEMPLATE, vars: { base_image: BASE_IMAGE, tag, use_proxy: 'false' }, only: ['docker.web'], force: true })
      expect(res.builds.map((b) => [b.name, b.outcome, b.error])).toEqual([['docker.web', 'success', undefined]])
      expect(res.lines).toContain('Not using proxy adapter for Ansible run: using the SSH key of the connection...')
      expect(await contents(images[0]!)).toContain('build=web\nbuilder=docker')
      expect(await bb.box.leftovers(res.builds[0]!.buildId)).toEqual(NOTHING)
    },
    BUILD_BOUND_MS,
  )
})
