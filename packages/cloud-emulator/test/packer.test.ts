import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, CATALOG_OWNER_ID, type Ec2Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'

// HashiCorp Packer 1.6.6 (Debian's `packer`, installed by scripts/setup.sh) builds an AMI
// with amazon-ebs against the emulator, with its defaults: no VPC, subnet or zone given, so
// RunInstances must land in the default subnet, as on AWS. Packer's waiters poll every 15 s by
// default; AWS_POLL_DELAY_SECONDS (Packer's own setting, not the template's) makes it 1 s: how
// often Packer polls is not the subject, and the build takes seconds instead of a minute.
let emu: Ec2Emulator
let dir: string

beforeAll(async () => {
  emu = await startEc2Emulator({ delays: { instanceRunning: 200, instanceStopped: 200, instanceTerminated: 200, imageAvailable: 300, snapshotCompleted: 200 } })
  dir = await mkdtemp(join(tmpdir(), 'tsimg-packer-'))
})
afterAll(async () => {
  await emu?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
  if (emu) expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=tsimg-emulator=${emu.backend.session}`], { encoding: 'utf8' }).trim()).toBe('')
})

function packer(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'packer',
      args,
      {
        cwd,
        maxBuffer: 32 * 1024 * 1024,
        env: {
          ...process.env,
          CHECKPOINT_DISABLE: '1',
          PACKER_CACHE_DIR: join(cwd, 'cache'),
          PACKER_CONFIG_DIR: cwd,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_POLL_DELAY_SECONDS: '1',
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

it('Packer 1.6.6 amazon-ebs with its defaults builds an AMI from a shell provisioner, and leaves only the AMI and its snapshot', async () => {
  const template = {
    builders: [
      {
        type: 'amazon-ebs',
        region: 'us-east-1',
        access_key: emu.credentials.accessKeyId,
        secret_key: emu.credentials.secretAccessKey,
        custom_endpoint_ec2: emu.endpoint,
        skip_region_validation: true,
        skip_credential_validation: true,
        skip_metadata_api_check: true,
        source_ami_filter: { filters: { name: 'debian-12-amd64-tsimg-base' }, owners: [CATALOG_OWNER_ID], most_recent: true },
        instance_type: 't3.micro',
        ssh_username: 'admin',
        ami_name: 'packer-on-emulator-{{timestamp}}',
      },
    ],
    provisioners: [{ type: 'shell', inline: ['echo made-by-packer | sudo tee /etc/packer-marker', 'test -s /etc/packer-marker'] }],
  }
  await writeFile(join(dir, 'template.json'), JSON.stringify(template, null, 2))
  const run = await packer(['build', '-machine-readable', 'template.json'], dir)
  expect(run.code, `packer failed:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`).toBe(0)

  // machine-readable: <time>,amazon-ebs,artifact,0,id,us-east-1:ami-...
  const artifact = /,artifact,0,id,us-east-1:(ami-[0-9a-f]+)/.exec(run.stdout)?.[1]
  expect(artifact, run.stdout.slice(-2000)).toBeDefined()
  const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
  const image = (await client.send(new ec2.DescribeImagesCommand({ ImageIds: [artifact!] }))).Images![0]!
  expect(image.State).toBe('available')
  expect(image.Name).toMatch(/^packer-on-emulator-\d+$/)
  client.destroy()

  // The provisioner's file is in the image: the committed container's disk.
  const dockerRef = emu.backend.images.get(artifact!)!.dockerRef
  expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', dockerRef, '/etc/packer-marker'], { encoding: 'utf8' }).trim()).toBe('made-by-packer')

  // Nothing else left: Packer's key pair, security group, instance and its volume are gone.
  const left = emu
    .ledger()
    .filter((e) => !e.seed)
    .map((e) => ({ type: e.type, id: e.id }))
  const snapshots = image.BlockDeviceMappings!.flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : []))
  expect(snapshots.length).toBeGreaterThan(0)
  expect(left.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
    [{ type: 'image', id: artifact! }, ...snapshots.map((id) => ({ type: 'snapshot', id }))].sort((a, b) => a.id.localeCompare(b.id)),
  )
}, 900_000)
