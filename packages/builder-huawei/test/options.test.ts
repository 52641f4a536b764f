import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { huaweicloudEcs, huaweicloudEcsSchema } from '@tsimg/builder-huawei'
import { startHuaweiEmulator } from '@tsimg/cloud-emulator'
import { describe, expect, it } from 'vitest'
import { emulatorSource, journalFiles, leftovers, runBuild, stateText } from './support.js'

const base = { region: 'cn-north-4', flavor: 's6.large.2', sourceImage: 'img-1', imageName: 'web-1' }
const problems = (o: Record<string, unknown>) => {
  const r = huaweicloudEcsSchema.safeParse(o)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('huaweicloud-ecs options', () => {
  it('applies defaults', () => {
    const o = huaweicloudEcs(base).options
    expect([o.volumeType, o.eipBandwidthSize, o.temporarySecurityGroupSourceCidrs, o.waitImageReadyTimeout]).toEqual(['SSD', 1, ['0.0.0.0/0'], '30m'])
  })

  it('rejects unknown options (Packer snake_case names) and contradictory choices, naming the field', () => {
    expect(problems({ ...base, image_name: 'x' }).join()).toMatch(/image_name/)
    expect(problems({ ...base, sourceImageName: 'x' }).join()).toMatch(/sourceImage: set exactly one/)
    expect(problems({ ...base, eipType: '5_bgp', reuseIps: true }).join()).toMatch(/eipType: set at most one/)
    expect(problems({ ...base, vpcId: 'v' }).join()).toMatch(/subnets: vpcId needs subnets/)
    expect(problems({ ...base, subnets: ['s'] }).join()).toMatch(/vpcId: subnets need vpcId/)
    expect(problems({ ...base, imageMembers: ['nope'] }).join()).toMatch(/imageMembers/)
    expect(problems({ ...base, flavor: undefined }).join()).toMatch(/flavor/)
    expect(problems({ ...base, imageName: 'web-{{timestamp}}' }).join()).toMatch(/imageName: IMS image names are/)
    expect(problems({ ...base, imageName: 'Debian 12 node_image-1.0' })).toEqual([])
  })

  it('takes credentials from HW_ACCESS_KEY / HW_SECRET_KEY / HW_SECURITY_TOKEN and lists the secrets to redact', () => {
    const saved = { ...process.env }
    Object.assign(process.env, { HW_ACCESS_KEY: 'AK-from-env', HW_SECRET_KEY: 'sk-from-env', HW_SECURITY_TOKEN: 'token-from-env' })
    try {
      expect(huaweicloudEcs(base).secrets?.()).toEqual(['sk-from-env', 'token-from-env'])
      expect(huaweicloudEcs({ ...base, secretKey: 'sk-option' }).secrets?.()).toEqual(['sk-option', 'token-from-env'])
    } finally {
      process.env = saved
    }
  })

  it('a wrong secret key fails the build at the first call (APIGW.0301), creates nothing, and is printed nowhere', async () => {
    const emu = await startHuaweiEmulator()
    const stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-'))
    try {
      const seeded = 'seeded-WRONG-secret-5f3a9c'
      const r = await runBuild(emulatorSource(emu, { secretKey: seeded, userData: '#!/bin/sh\necho hi' }), { stateDir })
      expect(r.summary.outcome).toBe('failed')
      expect(r.summary.error?.message).toMatch(/APIGW\.0301|401/)
      for (const where of [r.text, r.summary.error?.stack ?? '', await stateText(stateDir)]) expect(where).not.toContain(seeded)
      expect(leftovers(emu)).toEqual([])
      expect(await journalFiles(stateDir)).toEqual([])
    } finally {
      await emu.stop()
      await rm(stateDir, { recursive: true, force: true })
    }
  }, 300_000)
})
