import { expect, it } from 'vitest'
import { journalFiles, useCloudMatrix } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX } from './support.js'

// 30% of every call throttled (fixed seed, so a failure repeats): the build still succeeds
// through the kit's retry budget, and teardown under throttling leaks nothing. The subject is
// the API's retries and the teardown: the machine is on paper.
const m = useCloudMatrix(ALICLOUD_MATRIX, { seed: 7, throttleProbability: 0.3 })

it('builds under 30% throttling and leaves only its image', { timeout: 900_000 }, async () => {
  const r = await m.run({ machine: 'paper', over: { maxRetries: 14 } })
  expect(r.summary.error?.message).toBeUndefined()
  expect(r.summary.outcome).toBe('success')
  expect(
    Object.values(m.emu.faultsFired()).reduce((a, b) => a + b, 0),
    'calls were throttled',
  ).toBeGreaterThan(0)
  const left = m.alive()
  expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  expect(left.filter((e) => e.type === 'image')).toHaveLength(1)
  expect(await journalFiles(m.stateDir)).toEqual([])
})
