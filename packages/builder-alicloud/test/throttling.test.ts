import { expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

// 30% of every call throttled (fixed seed, so a failure repeats): the build still succeeds
// through the kit's retry budget, and teardown under throttling leaks nothing.
const t = useEmulator({ seed: 7, throttleProbability: 0.3 })

it('builds under 30% throttling and leaves only its image', { timeout: 900_000 }, async () => {
  const { summary } = await runBuild(emulatorSource(t.emu, { maxRetries: 14 }), { stateDir: t.stateDir })
  expect(summary.error?.message).toBeUndefined()
  expect(summary.outcome).toBe('success')
  const left = leftovers(t.emu)
  expect(left.filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  expect(left.filter((e) => e.type === 'image')).toHaveLength(1)
  expect(await journalFiles(t.stateDir)).toEqual([])
})
