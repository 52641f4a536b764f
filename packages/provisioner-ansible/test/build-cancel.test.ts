/**
 * Ctrl-C during a play, in a whole docker build: the build is cancelled and nothing of it
 * remains: no container, key or journal, no process of ansible's, no temporary file.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { ansible } from '@tsimg/provisioner-ansible'
import { BASE_IMAGE, NOTHING, RUN_ID, imageExists } from '../../builder-docker/test/helpers.js'
import { FIXTURES, filesUnder, processesMentioning, useBuildBox } from './helpers.js'

const TAG = `tsimg-test/ansible-cancel-${RUN_ID}:1`
const bb = useBuildBox([TAG])
const exec = promisify(execFile)

/** Resolves once the slow play's `sleep 300` runs in the build's container. */
async function remoteSleepStarted(container: string): Promise<void> {
  for (;;) {
    const found = await exec('docker', ['exec', container, 'pgrep', '-fx', 'sleep 300']).then(
      () => true,
      () => false,
    )
    if (found) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('ansible provisioner in a docker build', () => {
  it(
    'a cancel during the play stops ansible and leaves no container, process or temporary file',
    async () => {
      const ac = new AbortController()
      let container = ''
      const res = await bb.box.run({
        template: {
          sources: [docker({ name: 'ansible-cancel', image: BASE_IMAGE, tags: [TAG] })],
          provisioners: [ansible({ playbookFile: join(FIXTURES, 'slow.yml') })],
        },
        signal: ac.signal,
        // Cancelled once the task's command runs in the container, however long that takes.
        onEvent: (e) => {
          if (e.type !== 'ui') return
          container = /^Container ID: (\w+)/.exec(e.text)?.[1] ?? container
          if (e.text.startsWith('TASK [Sleep a long time]')) void remoteSleepStarted(container).then(() => ac.abort())
        },
      })
      const b = res.builds[0]!
      expect(b.outcome).toBe('cancelled')
      expect(res.lines.some((l) => l.startsWith('TASK [Sleep a long time]'))).toBe(true)
      expect(await bb.box.leftovers(b.buildId)).toEqual(NOTHING)
      expect(await imageExists(TAG)).toBe(false)
      expect(await filesUnder(bb.tmp)).toEqual([])
      expect(await processesMentioning(bb.tmp)).toEqual([])
    },
    15 * 60_000,
  )
})
