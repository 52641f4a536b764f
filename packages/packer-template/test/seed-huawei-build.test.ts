// Seed 000 (Huawei's turbo-node.pkr.hcl with its scripts/, user-scripts/ and user-packages/)
// built unchanged by `tsimg build` against the emulator, set up as the article asks: the
// environment names the region, keys, an existing VPC, subnet and security group (port 22
// open), and the CCE source image.
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HuaweiApi } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFromImage, tsimg } from './support/cli.js'

const template = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/seed-000/turbo-node.pkr.hcl')
const REGION = 'cn-north-4'
let emu: HuaweiEmulator
let stateDir: string

beforeAll(async () => {
  emu = await startHuaweiEmulator({ delays: { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200 } })
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-seed-000-'))
})
afterAll(async () => {
  await emu?.stop()
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
})

/** The user's own network, made once beforehand as the article's prerequisites say. */
async function userNetwork(api: HuaweiApi): Promise<{ vpcId: string; subnetId: string; groupId: string }> {
  const signal = AbortSignal.timeout(120_000)
  await api.projectId(signal)
  const v = await api.sdk(
    'CreateVpc',
    (c) => c.vpc.createVpc(new vpc.CreateVpcRequest().withBody({ vpc: { name: 'executor-vpc', cidr: '192.168.0.0/16' } } as never)),
    { signal },
  )
  const vpcId = (v as { vpc: { id: string } }).vpc.id
  const s = await api.sdk(
    'CreateSubnet',
    (c) =>
      c.vpc.createSubnet(
        new vpc.CreateSubnetRequest().withBody({
          subnet: { name: 'executor-subnet', cidr: '192.168.0.0/24', gateway_ip: '192.168.0.1', vpc_id: vpcId },
        } as never),
      ),
    { signal },
  )
  const g = await api.sdk(
    'CreateSecurityGroup',
    (c) => c.vpc.createSecurityGroup(new vpc.CreateSecurityGroupRequest().withBody({ security_group: { name: 'executor-ssh', vpc_id: vpcId } } as never)),
    { signal },
  )
  const groupId = (g as { security_group: { id: string } }).security_group.id
  const rule = {
    security_group_id: groupId,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
    remote_ip_prefix: '0.0.0.0/0',
  }
  await api.sdk(
    'CreateSecurityGroupRule',
    (c) => c.vpc.createSecurityGroupRule(new vpc.CreateSecurityGroupRuleRequest().withBody({ security_group_rule: rule } as never)),
    { signal },
  )
  return { vpcId, subnetId: (s as { subnet: { id: string } }).subnet.id, groupId }
}

describe('seed 000: turbo-node.pkr.hcl built unchanged against the Huawei emulator', { timeout: 900_000 }, () => {
  it('uploads the user package, runs the scripts in the order written, and leaves only the image', async () => {
    const { accessKeyId, secretAccessKey } = emu.credentials
    const api = new HuaweiApi({ region: REGION, endpoint: emu.endpoint, accessKey: accessKeyId, secretKey: secretAccessKey })
    const net = await userNetwork(api)
    const source = emu.ledger().find((e) => e.seed && e.type === 'image')!
    const { code, out } = await tsimg(
      ['build', basename(template)],
      {
        TSIMG_STATE_DIR: stateDir,
        TSIMG_HUAWEI_ENDPOINT: emu.endpoint,
        REGION_NAME: REGION,
        IAM_ACCESS_KEY: accessKeyId,
        IAM_SECRET_KEY: secretAccessKey,
        ECS_VPC_ID: net.vpcId,
        ECS_NETWORK_ID: net.subnetId,
        ECS_SECGRP_ID: net.groupId,
        CCE_SOURCE_IMAGE_ID: source.id,
        PKR_VAR_ecs_flavor: 's6.large.2',
      },
      dirname(template),
    )
    expect(code, out).toBe(0)
    expect(out).toContain('required_plugins: tsimg has its builders built in')
    expect(out).not.toContain(secretAccessKey)
    const steps = [
      'preparing the CCE node image',
      'Uploading user-packages/example.package => /tmp/example.package',
      'Provisioning with shell script: user-scripts/example.sh',
      'huaweicloud-ecs.builder: foo',
      'Provisioning with shell script: scripts/cleanup.sh',
    ]
    const at = steps.map((s) => out.indexOf(s))
    expect(
      at.every((i) => i >= 0),
      out,
    ).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    const imageId = new RegExp(`${REGION}: ([0-9a-f-]{36})`).exec(out)?.[1]
    expect(imageId).toBeDefined()
    const image = emu.ledger().find((e) => e.id === imageId)!
    expect(image.name).toMatch(/^cce-turbo-node-\d{14}$/)
    const ref = emu.backend.images.get(imageId!)!.dockerRef
    expect(readFromImage(ref, '/etc/cce/node-image', '/opt/cce-custom/example.package')).toBe(
      "prepared_by=cce-image-builder\nexample package uploaded by the file provisioner (seed 000's user-packages/example.package)\n",
    )
    // scripts/cleanup.sh ran last: the uploaded copy is gone from the image.
    expect(() => readFromImage(ref, '/tmp/example.package')).toThrow()
    const mine = new Set([net.vpcId, net.subnetId, net.groupId, imageId])
    expect(emu.ledger().filter((e) => !e.seed && !mine.has(e.id) && e.type !== 'snapshot')).toEqual([])
    expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
  })
})
