import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEc2Emulator } from '@tsimg/cloud-emulator'
import { build } from '@tsimg/core/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { convertTemplate } from '../src/convert.js'

const template = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/aws/aws.pkr.hcl')
let emu: Awaited<ReturnType<typeof startEc2Emulator>>
let stateDir: string

beforeAll(async () => {
  emu = await startEc2Emulator({
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 },
  } as Parameters<typeof startEc2Emulator>[0])
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-packer-aws-'))
})
afterAll(async () => {
  await emu?.stop()
  await rm(stateDir, { recursive: true, force: true })
})

/** Builds a template against the emulator; returns the build's output and its image's name and tags. */
async function buildImage(templateFile: string) {
  const lines: string[] = []
  const res = await build({
    templateFile,
    vars: { endpoint: emu.endpoint, access_key: emu.credentials.accessKeyId, secret_key: emu.credentials.secretAccessKey },
    stateDir,
    cleanupTimeoutMs: 120_000,
    onEvent: (e) => (e.type === 'ui' ? lines.push(e.text) : undefined),
  })
  const b = res.builds[0]!
  expect(b.error?.message).toBeUndefined()
  const ami = /us-east-1:(ami-[0-9a-f]+)/.exec(b.artifacts[0]!.id)![1]!
  const ec2 = new EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
  const img = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ami] }))).Images![0]!
  ec2.destroy()
  return { out: lines.join('\n'), name: img.Name, tags: Object.fromEntries((img.Tags ?? []).map((t) => [t.Key, t.Value])) }
}

describe('an HCL2 amazon-ebs template against the EC2 emulator', { timeout: 900_000 }, () => {
  it('finds the source AMI through its amazon-ami data source and fills build-time values in tags and provisioners', async () => {
    const { out, name, tags } = await buildImage(template)
    expect(out).toMatch(/built on i-[0-9a-f]+ from debian-12-amd64-tsimg-base/)
    expect(out).toContain('wants-curl\nwants-jq')
    expect(out).not.toContain(emu.credentials.secretAccessKey)
    expect(tags).toMatchObject({ Name: 'web', SourceAMI: 'debian-12-amd64-tsimg-base', Region: 'us-east-1' })
    expect(name).toMatch(/^packer-hcl-\d{8}-\d{6}-/)
    expect(emu.ledger().filter((e) => !e.seed && e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })

  it('its tsimg convert image.ts builds the same image: lateSource/lateProvisioner fill the tags and provisioner as the template does', async () => {
    const packer = await buildImage(template)
    const imageTs = join(stateDir, 'image.ts')
    await writeFile(imageTs, await convertTemplate(template, 'aws.pkr.hcl'))
    const converted = await buildImage(imageTs)
    // tsimg-kept names each build's own image: the rest is the template's.
    const own = ({ 'tsimg-kept': kept, ...rest }: Record<string, unknown>) => (expect(kept).toMatch(/^tsimg-/), rest)
    expect(own(converted.tags)).toEqual(own(packer.tags))
    expect(converted.tags).toMatchObject({ SourceAMI: 'debian-12-amd64-tsimg-base' })
    expect(converted.out).toMatch(/built on i-[0-9a-f]+ from debian-12-amd64-tsimg-base/)
    expect(converted.out).not.toContain(emu.credentials.secretAccessKey)
    expect(converted.name).toMatch(/^packer-hcl-\d{8}-\d{6}-/)
    expect(emu.ledger().filter((e) => !e.seed && e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })
})
