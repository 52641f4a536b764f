import { execFileSync } from 'node:child_process'
import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, CATALOG_OWNER_ID, PAPER_REFUSAL, type Ec2Emulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { Client } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Machines on paper: every record and state change of a machine, an SSH server that checks the
// key pair, and no container anywhere.
let emu: Ec2Emulator
let client: ec2.EC2Client
const key = generateKeyPair('ed25519')
const other = generateKeyPair('ed25519')

const containers = (): string => execFileSync('docker', ['ps', '-aq', '--filter', `label=tsimg-emulator=${emu.backend.session}`], { encoding: 'utf8' }).trim()
const dockerImages = (): string => execFileSync('docker', ['images', '-q', `tsimg-emulator/${emu.backend.session}`], { encoding: 'utf8' }).trim()

async function describeInstance(id: string): Promise<ec2.Instance> {
  const res = await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))
  return res.Reservations![0]!.Instances![0]!
}

/** Polls until `fn` answers (no wall-clock bound: the test's own timeout is the limit; `what` names the wait). */
async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 50))
  }
}
const state = (id: string, name: string) => until(`${id} ${name}`, async () => ((await describeInstance(id)).State?.Name === name ? true : undefined))

/** Connects with a key; resolves to the command's output and exit code, or rejects with the auth error. */
function sshRun(host: string, username: string, privateKey: string, command?: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const c = new Client()
    c.on('error', reject)
    c.on('ready', () => {
      if (command === undefined) {
        c.end()
        return resolve({ out: '', code: null })
      }
      c.exec(command, (err, stream) => {
        if (err) return reject(err)
        let out = ''
        let code: number | null = null
        stream.on('data', (d: Buffer) => (out += d.toString()))
        stream.stderr.on('data', (d: Buffer) => (out += d.toString()))
        stream.on('exit', (c0: number) => (code = c0))
        stream.on('close', () => {
          c.end()
          resolve({ out, code })
        })
      })
    })
    c.connect({ host, port: 22, username, privateKey, readyTimeout: 20_000 })
  })
}

beforeAll(async () => {
  emu = await startEc2Emulator({
    machines: 'paper',
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 },
  })
  client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
})
afterAll(async () => {
  await emu?.stop()
})

describe('a machine on paper', () => {
  it('goes pending -> running -> stopped -> running -> terminated, answers SSH only to its key pair, refuses to run commands, images on paper, and never starts a container', async () => {
    const source = (await client.send(new ec2.DescribeImagesCommand({ Owners: [CATALOG_OWNER_ID], Filters: [{ Name: 'name', Values: ['debian-12-*'] }] })))
      .Images![0]!
    await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'paper-key', PublicKeyMaterial: Buffer.from(key.publicKey) }))
    const run = await client.send(
      new ec2.RunInstancesCommand({ ImageId: source.ImageId, InstanceType: 't3.micro', KeyName: 'paper-key', MinCount: 1, MaxCount: 1 }),
    )
    const id = run.Instances![0]!.InstanceId!
    expect(run.Instances![0]!.State?.Name).toBe('pending')
    await state(id, 'running')
    const address = (await describeInstance(id)).PrivateIpAddress!
    expect(address).toMatch(/^127\.0\.0\.\d+$/)

    // The key pair's key, as the image's login user or root: let in. Another key or user: refused.
    await expect(sshRun(address, 'admin', key.privateKey)).resolves.toEqual({ out: '', code: null })
    await expect(sshRun(address, 'root', key.privateKey)).resolves.toEqual({ out: '', code: null })
    await expect(sshRun(address, 'admin', other.privateKey)).rejects.toThrow(/authentication methods failed/)
    await expect(sshRun(address, 'nobody', key.privateKey)).rejects.toThrow(/authentication methods failed/)
    // Nothing runs on paper: the command is refused, with a status that fails any provisioner.
    const ran = await sshRun(address, 'admin', key.privateKey, 'echo hello')
    expect(ran.code).toBe(126)
    expect(ran.out).toContain(`instance ${id} ${PAPER_REFUSAL}`)
    expect(ran.out).not.toContain('hello')

    await client.send(new ec2.StopInstancesCommand({ InstanceIds: [id] }))
    await state(id, 'stopped')
    // A stopped machine does not answer.
    await expect(sshRun(address, 'admin', key.privateKey)).rejects.toThrow(/ECONNREFUSED/)
    const image = await client.send(new ec2.CreateImageCommand({ InstanceId: id, Name: 'paper-image' }))
    await until('image available', async () => {
      const m = (await client.send(new ec2.DescribeImagesCommand({ ImageIds: [image.ImageId!] }))).Images![0]
      return m?.State === 'available' ? true : undefined
    })
    expect(emu.backend.images.get(image.ImageId!)?.paper).toBe(true)
    await client.send(new ec2.StartInstancesCommand({ InstanceIds: [id] }))
    await state(id, 'running')
    await expect(sshRun(address, 'admin', key.privateKey)).resolves.toEqual({ out: '', code: null })

    // A machine launched from a paper image is on paper too, even once the emulator runs containers.
    emu.setMachines('container')
    const child = (await client.send(new ec2.RunInstancesCommand({ ImageId: image.ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!
    await state(child, 'running')
    expect(emu.backend.instances.get(child)?.paper).toBe(true)
    emu.setMachines('paper')

    expect(containers()).toBe('')
    expect(dockerImages()).toBe('')
    await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [id, child] }))
    await state(id, 'terminated')
    await state(child, 'terminated')
    await expect(sshRun(address, 'admin', key.privateKey)).rejects.toThrow(/ECONNREFUSED/)
    await client.send(new ec2.DeregisterImageCommand({ ImageId: image.ImageId }))
    for (const s of emu.ledger().filter((e) => e.type === 'snapshot' && !e.seed)) await client.send(new ec2.DeleteSnapshotCommand({ SnapshotId: s.id }))
    await client.send(new ec2.DeleteKeyPairCommand({ KeyName: 'paper-key' }))
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
    expect(emu.backend.addresses.has(address)).toBe(false)
  })

  it('keeps its mode: machines launched before setMachines("container") stay on paper, later ones are containers', async () => {
    const source = (await client.send(new ec2.DescribeImagesCommand({ Owners: [CATALOG_OWNER_ID], Filters: [{ Name: 'name', Values: ['debian-12-*'] }] })))
      .Images![0]!
    const paper = (await client.send(new ec2.RunInstancesCommand({ ImageId: source.ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!
    emu.setMachines('container')
    try {
      const real = (await client.send(new ec2.RunInstancesCommand({ ImageId: source.ImageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })))
        .Instances![0]!.InstanceId!
      await state(paper, 'running')
      await state(real, 'running')
      expect(emu.backend.instances.get(paper)?.paper).toBe(true)
      expect(emu.backend.instances.get(real)?.paper).toBeFalsy()
      // Exactly one container: the second machine's.
      expect(containers().split('\n').filter(Boolean)).toHaveLength(1)
      await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [paper, real] }))
      await state(paper, 'terminated')
      await state(real, 'terminated')
      expect(containers()).toBe('')
    } finally {
      emu.setMachines('paper')
    }
    expect(() => emu.setMachines('vm' as never)).toThrow(/machines must be 'container' or 'paper'/)
  })

  it('is chosen over the control API too: POST /_emulator/machines sets the mode, and refuses any other', async () => {
    const post = (body: unknown) => fetch(`${emu.endpoint}/_emulator/machines`, { method: 'POST', body: JSON.stringify(body) })
    expect((await post({ mode: 'container' })).status).toBe(200)
    expect(emu.backend.machines).toBe('container')
    const bad = await post({ mode: 'vm' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: `machines must be 'container' or 'paper', not "vm"` })
    expect((await post({ mode: 'paper' })).status).toBe(200)
    expect(emu.backend.machines).toBe('paper')
  })
})
