import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DeleteKeyPairCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ImportKeyPairCommand,
} from '@aws-sdk/client-ec2'
import { generateKeyPair } from '@tsimg/core/plugin'
import { describe, expect, it } from 'vitest'
import { shell } from '@tsimg/provisioner-shell'
import { emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const t = useEmulator()

describe('amazon-ebs options at work', { timeout: 600_000 }, () => {
  it('encryptBoot: the AMI is replaced by an encrypted copy; the unencrypted one is gone', async () => {
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { encryptBoot: true }), { stateDir: t.stateDir })
    expect(summary.error?.message).toBeUndefined()
    const text = lines.join('\n')
    expect(text).toContain('Copying/Encrypting AMI')
    const first = /AMI: (ami-[0-9a-f]+)/.exec(text)![1]
    const final = summary.artifacts[0]!.id.split(':')[1]
    expect(final).not.toBe(first)
    expect(
      leftovers(t.emu)
        .filter((e) => e.type === 'image')
        .map((e) => e.id),
    ).toEqual([final])
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })

  it("snapshotUsers / snapshotGroups share the AMI's snapshots, amiProductCodes and imdsSupport are set on the AMI, as Packer's modify-attributes step does", async () => {
    const { summary, lines } = await runBuild(
      emulatorSource(t.emu, { snapshotUsers: ['210987654321'], snapshotGroups: ['all'], amiProductCodes: ['abcdefghij0123456789klmno'], imdsSupport: 'v2.0' }),
      { stateDir: t.stateDir },
    )
    expect(summary.error?.message).toBeUndefined()
    const text = lines.join('\n')
    expect(text).toContain('Modifying: product codes')
    expect(text).toMatch(/Modifying attributes on snapshot \(snap-[0-9a-f]+\)/)
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: t.emu.endpoint, credentials: t.emu.credentials })
    const ami = summary.artifacts[0]!.id.split(':')[1]!
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ami] }))).Images![0]!
    const snaps = image.BlockDeviceMappings!.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []))
    expect(snaps.length).toBeGreaterThan(0)
    for (const SnapshotId of snaps) {
      const perms = (await ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId, Attribute: 'createVolumePermission' }))).CreateVolumePermissions ?? []
      expect(perms).toEqual(expect.arrayContaining([{ UserId: '210987654321' }, { Group: 'all' }]))
    }
    const codes = (await ec2.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute: 'productCodes' }))).ProductCodes ?? []
    expect(codes.map((c) => c.ProductCodeId)).toEqual(['abcdefghij0123456789klmno'])
    expect((await ec2.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute: 'imdsSupport' }))).ImdsSupport?.Value).toBe('v2.0')
    ec2.destroy()
  })

  it('volumes kept past termination (deleteOnTermination: false) are cleaned up', async () => {
    const { summary, lines } = await runBuild(
      emulatorSource(t.emu, {
        skipCreateAmi: true,
        launchBlockDeviceMappings: [{ deviceName: '/dev/sdb', volumeSize: 10, deleteOnTermination: false }],
        runVolumeTags: { Disk: 'data' },
      }),
      { stateDir: t.stateDir, provisioners: [shell({ inline: ['true'] })] },
    )
    expect(summary.error?.message).toBeUndefined()
    expect(lines.join('\n')).toContain('Cleaning up any extra volumes...')
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  })

  it('user data runs at first boot', async () => {
    const { summary, lines } = await runBuild(emulatorSource(t.emu, { skipCreateAmi: true, userData: '#!/bin/sh\necho from-user-data > /tmp/ud\n' }), {
      stateDir: t.stateDir,
      provisioners: [shell({ inline: ['for i in $(seq 50); do [ -f /tmp/ud ] && break; sleep 0.2; done; cat /tmp/ud'] })],
    })
    expect(summary.error?.message).toBeUndefined()
    expect(lines.join('\n')).toContain('from-user-data')
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
  })

  it('an existing key pair (sshKeypairName + sshPrivateKeyFile) is used and kept', async () => {
    const pair = generateKeyPair()
    const keyFile = join(t.stateDir, 'mine.key')
    await writeFile(keyFile, pair.privateKey, { mode: 0o600 })
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: t.emu.endpoint, credentials: t.emu.credentials })
    await ec2.send(new ImportKeyPairCommand({ KeyName: 'mine', PublicKeyMaterial: Buffer.from(pair.publicKey) }))
    try {
      const { summary, lines } = await runBuild(emulatorSource(t.emu, { skipCreateAmi: true, sshKeypairName: 'mine', sshPrivateKeyFile: keyFile }), {
        stateDir: t.stateDir,
        provisioners: [shell({ inline: ['echo key-ok'] })],
      })
      expect(summary.error?.message).toBeUndefined()
      expect(lines.join('\n')).not.toContain('Creating temporary keypair')
      expect(
        leftovers(t.emu)
          .filter((e) => e.type !== 'image' && e.type !== 'snapshot')
          .map((e) => `${e.type}:${e.name}`),
      ).toEqual(['key-pair:mine'])
    } finally {
      await ec2.send(new DeleteKeyPairCommand({ KeyName: 'mine' }))
      ec2.destroy()
    }
  })
})
