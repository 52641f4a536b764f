// `tsimg cleanup --sweep --cloud huaweicloud`: a build killed with SIGKILL on a CI runner whose
// state directory died with it. The sweep finds its resources by tag and name, lists them,
// deletes nothing without --yes, and everything with it.
import { rm } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { REGION, expectNoSecret, leftovers, tsimg, useEmulator } from './support.js'

const t = useEmulator()

describe('tsimg cleanup --sweep --cloud huaweicloud', () => {
  it('lists what a killed build left (no journal), deletes nothing without --yes, then deletes all of it with --yes', async () => {
    const run = (args: string[], onOutput?: Parameters<typeof tsimg>[3]) => tsimg(t.emu, t.stateDir, args, onOutput)
    const killed = await run(['build', 'examples/huaweicloud/image.ts'], (o, child) => {
      if (o.includes('Connected to SSH!') && child.exitCode === null) child.kill('SIGKILL')
    })
    expect(killed.code).toBeNull()
    const left = leftovers(t.emu)
    expect(new Set(left.map((e) => e.type))).toEqual(new Set(['instance', 'volume', 'public-ip', 'security-group', 'subnet', 'vpc', 'key-pair']))
    // The runner's disk is gone: no journal to follow.
    await rm(t.stateDir, { recursive: true, force: true })

    const sweep = ['cleanup', '--sweep', '--cloud', 'huaweicloud', '--region', REGION, '--endpoint', t.emu.endpoint, '--older-than', '0s']
    const listed = await run(sweep)
    expect(listed.out).toMatch(/huaweicloud: 5 resource\(s\) tagged by tsimg/)
    for (const what of [/server \S+/, /security-group \S+ tsimg/, /subnet \S+ tsimg/, /vpc \S+ tsimg/, /key pair tsimg/]) expect(listed.out).toMatch(what)
    expect(listed.out).not.toMatch(/age unknown/)
    expect(listed.out).toContain('Nothing was deleted')
    expect(leftovers(t.emu)).toEqual(left)

    const swept = await run([...sweep, '--yes'])
    expect(swept.code, swept.out).toBe(0)
    expect(swept.out).toContain('Sweep finished: 5 resource(s) deleted')
    // The server went with its volumes and the EIP bought with it.
    expect(leftovers(t.emu)).toEqual([])
    expectNoSecret(t.emu, killed.out + listed.out + swept.out)
  }, 900_000)
})
