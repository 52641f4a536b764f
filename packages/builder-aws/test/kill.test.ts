import { spawn } from 'node:child_process'
import { writeFile, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CreateSecurityGroupCommand, EC2Client, ImportKeyPairCommand, RunInstancesCommand } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, generateKeyPair } from '@tsimg/core/plugin'
import { describe, expect, it } from 'vitest'
import { cliEnv, FAST_DELAYS, journalFiles, leftovers, removeDir, startEmulator, tempStateDir, type Emulator } from './support.js'

const CLI = resolve(import.meta.dirname, '../../core/bin/tsimg.js')
const TEMPLATE = resolve(import.meta.dirname, 'fixtures/slow-image.ts')

/**
 * Each test gets an emulator and a state directory of its own: they share nothing, so they run
 * side by side (each waits mostly on its CLI process and the instance's container).
 */
async function own(fn: (emu: Emulator, stateDir: string) => Promise<void>): Promise<void> {
  const emu = await startEmulator()
  const stateDir = await tempStateDir()
  try {
    await fn(emu, stateDir)
  } finally {
    await emu.stop()
    await removeDir(stateDir)
  }
}

/** Runs `tsimg build` and sends `signal` as soon as a line matching `when` is printed. */
function buildAndKill(emu: Emulator, stateDir: string, when: RegExp, extra: Record<string, string>, signal: NodeJS.Signals = 'SIGKILL'): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, 'build', TEMPLATE], { env: cliEnv(emu, stateDir, extra), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let sent = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      rej(new Error(`never saw ${when}:\n${out}`))
    }, 600_000) // a safety net only: a loaded machine (docker under 2 busy cores) may take minutes to boot an instance
    const onData = (d: Buffer) => {
      out += d.toString()
      if (when.test(out) && child.exitCode === null && !sent) {
        sent = true
        child.kill(signal)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, sig) => {
      clearTimeout(timer)
      if (sig === 'SIGKILL' || (signal === 'SIGINT' && code === 130)) res(out)
      else rej(new Error(`build ended by itself (${code ?? sig}):\n${out}`))
    })
  })
}

function cleanup(emu: Emulator, stateDir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, 'cleanup'], { env: cliEnv(emu, stateDir), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => res({ code, out }))
  })
}

describe.concurrent('tsimg build interrupted from outside', { timeout: 900_000 }, () => {
  it('while provisioning: instance, security group and key pair are deleted', () =>
    own(async (emu, stateDir) => {
      await buildAndKill(emu, stateDir, /Connected to SSH/, { TSIMG_TEST_SLEEP: '300', TSIMG_TEST_AMI_NAME: 'tsimg-killed-1' })
      const live = leftovers(emu)
        .map((e) => e.type)
        .sort()
      expect(live).toEqual(expect.arrayContaining(['instance', 'key-pair', 'security-group']))
      const { code, out } = await cleanup(emu, stateDir)
      expect(out).toContain('Cleanup finished')
      expect(code).toBe(0)
      expect(leftovers(emu)).toEqual([])
      expect(await journalFiles(stateDir)).toEqual([])
    }))

  it('while waiting for the AMI: the pending AMI and its snapshots are deleted too', () =>
    own(async (emu, stateDir) => {
      emu.setDelays({ imageAvailable: 'stuck' })
      try {
        await buildAndKill(emu, stateDir, /Waiting for AMI to become ready/, { TSIMG_TEST_AMI_NAME: 'tsimg-killed-2' })
      } finally {
        emu.setDelays(FAST_DELAYS)
      }
      expect(leftovers(emu).some((e) => e.type === 'image')).toBe(true)
      const { code, out } = await cleanup(emu, stateDir)
      expect(code, out).toBe(0)
      expect(leftovers(emu)).toEqual([])
      expect(await journalFiles(stateDir)).toEqual([])
    }))

  it('Ctrl-C (SIGINT) while waiting for the AMI: the build tears everything down itself', () =>
    own(async (emu, stateDir) => {
      emu.setDelays({ imageAvailable: 'stuck' })
      let out: string
      try {
        out = await buildAndKill(emu, stateDir, /Waiting for AMI to become ready/, { TSIMG_TEST_AMI_NAME: 'tsimg-interrupted' }, 'SIGINT')
      } finally {
        emu.setDelays(FAST_DELAYS)
      }
      expect(out).toContain('Deregistering the AMI and deleting associated snapshots')
      expect(out).toContain('Deleting temporary keypair...')
      expect(leftovers(emu)).toEqual([])
      expect(await journalFiles(stateDir)).toEqual([])
    }))

  it('resources created but never journaled are found by their build-id tag', () =>
    own(async (emu, stateDir) => {
      // What a build killed between "create" and "record" leaves: tagged resources, a scope, no entries.
      const buildId = 'killed-before-journal'
      const ec2 = new EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
      const tag = (ResourceType: 'key-pair' | 'security-group' | 'instance') => [{ ResourceType, Tags: [{ Key: BUILD_ID_LABEL, Value: buildId }] }]
      await ec2.send(
        new ImportKeyPairCommand({ KeyName: 'orphan', PublicKeyMaterial: Buffer.from(generateKeyPair().publicKey), TagSpecifications: tag('key-pair') }),
      )
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'orphan', Description: 'orphan', TagSpecifications: tag('security-group') }))
      const images = emu.ledger().filter((e) => e.type === 'image' && e.seed)
      await ec2.send(
        new RunInstancesCommand({ ImageId: images[0]!.id, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, TagSpecifications: tag('instance') }),
      )
      ec2.destroy()
      expect(leftovers(emu).length).toBeGreaterThanOrEqual(3)

      await mkdir(join(stateDir, 'journal'), { recursive: true })
      await writeFile(
        join(stateDir, 'journal', `${buildId}.json`),
        JSON.stringify({
          version: 1,
          buildId,
          build: 'amazon-ebs.orphan',
          pid: 2 ** 22 - 3, // not a live process
          host: (await import('node:os')).hostname(),
          startedAt: new Date().toISOString(),
          resources: [],
          scopes: [{ plugin: '@tsimg/builder-aws', data: { region: 'us-east-1', endpoint: emu.endpoint, account: emu.accountId } }],
        }),
      )
      const { code, out } = await cleanup(emu, stateDir)
      expect(code, out).toBe(0)
      expect(out).toContain('found by label')
      expect(leftovers(emu)).toEqual([])
    }))
})
