import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, sweep, CATALOG_OWNER_ID, TEST_CREDENTIALS } from '@tsimg/cloud-emulator'
import { expect, it } from 'vitest'

// What happens when things die: the instance's own OS, or the emulator process itself.
const BIN = fileURLToPath(new URL('../bin/emulator.js', import.meta.url))
const containers = (filter: string): string => execFileSync('docker', ['ps', '-aq', '--filter', filter], { encoding: 'utf8' }).trim()

async function baseImage(client: ec2.EC2Client): Promise<string> {
  const res = await client.send(
    new ec2.DescribeImagesCommand({ Owners: [CATALOG_OWNER_ID], Filters: [{ Name: 'name', Values: ['debian-12-amd64-tsimg-base'] }] }),
  )
  return res.Images![0]!.ImageId!
}

it('terminates an instance whose OS shuts itself down when its shutdown behavior is terminate', async () => {
  const emu = await startEc2Emulator({ delays: { instanceRunning: 100, instanceTerminated: 100 } })
  try {
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
    const run = await client.send(
      new ec2.RunInstancesCommand({
        ImageId: await baseImage(client),
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        InstanceInitiatedShutdownBehavior: 'terminate',
        UserData: Buffer.from('#!/bin/sh\nsleep 3\nkill -TERM 1\n').toString('base64'),
      }),
    )
    const id = run.Instances![0]!.InstanceId!
    // The SDK's terminated waiter gives up on 'pending', so poll: pending -> running -> shutting-down -> terminated.
    const seen = new Set<string>()
    let instance: ec2.Instance | undefined
    while (instance?.State?.Name !== 'terminated') {
      instance = (await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!
      seen.add(instance.State!.Name!)
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(seen).toContain('running')
    expect(instance?.State?.Name).toBe('terminated')
    expect(instance?.StateReason?.Code).toBe('Client.InstanceInitiatedShutdown')
    expect(containers(`label=tsimg-emulator=${emu.backend.session}`)).toBe('')
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  } finally {
    await emu.stop()
  }
})

it('returns the same instance to a retried RunInstances whose first answer was lost (client token)', async () => {
  const emu = await startEc2Emulator({ delays: { instanceRunning: 100, instanceTerminated: 100 } })
  try {
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 3 })
    emu.injectFault({ action: 'RunInstances', code: 'InternalError', times: 1, phase: 'after' })
    const run = await client.send(new ec2.RunInstancesCommand({ ImageId: await baseImage(client), MinCount: 1, MaxCount: 1 }))
    expect(run.$metadata.attempts).toBe(2)
    const live = emu.ledger().filter((e) => e.type === 'instance')
    expect(live.map((e) => e.id)).toEqual([run.Instances![0]!.InstanceId])
    await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [run.Instances![0]!.InstanceId!] }))
    await ec2.waitUntilInstanceTerminated({ client, maxWaitTime: 3600, minDelay: 1, maxDelay: 2 }, { InstanceIds: [run.Instances![0]!.InstanceId!] })
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  } finally {
    await emu.stop()
  }
})

it('fails a launch when told to: the instance ends terminated with Server.InternalError and its container is gone', async () => {
  const emu = await startEc2Emulator({ delays: { instanceRunning: 'fail' } })
  try {
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
    const id = (await client.send(new ec2.RunInstancesCommand({ ImageId: await baseImage(client), MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!
    let instance: ec2.Instance | undefined
    while (instance?.State?.Name !== 'terminated') {
      await new Promise((r) => setTimeout(r, 250))
      instance = (await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!
    }
    expect(instance?.StateReason?.Code).toBe('Server.InternalError')
    await emu.backend.settle()
    expect(containers(`label=tsimg-emulator.instance=${id}`)).toBe('')
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  } finally {
    await emu.stop()
  }
})

it('leaves containers behind when killed -9, and --sweep removes them', async () => {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let session = ''
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /endpoint: (\S+)/.exec(out)
        if (m && out.includes('AWS_SECRET_ACCESS_KEY=')) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
    })
    expect(await (await fetch(`${endpoint}/_emulator/health`)).json()).toEqual({ ok: true })
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint, credentials: TEST_CREDENTIALS })
    const id = (await client.send(new ec2.RunInstancesCommand({ ImageId: await baseImage(client), MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!
    await ec2.waitUntilInstanceRunning({ client, maxWaitTime: 3600, minDelay: 1, maxDelay: 2 }, { InstanceIds: [id] })
    const ours = `label=tsimg-emulator.instance=${id}`
    session = execFileSync('docker', ['ps', '-a', '--filter', ours, '--format', '{{.Label "tsimg-emulator"}}'], { encoding: 'utf8' }).trim()
    expect(session).not.toBe('')
    // A live emulator's containers are spared by a sweep.
    await sweep()
    expect(containers(ours)).not.toBe('')
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(containers(ours)).not.toBe('')
    const out = execFileSync(process.execPath, [BIN, '--sweep'], { encoding: 'utf8' })
    expect(out).toContain(`tsimg-emu-${session}-${id}`)
    expect(containers(ours)).toBe('')
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    if (session) await sweep({ session })
  }
})
