import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { CreateSecurityGroupCommand, DescribeKeyPairsCommand, EC2Client, ImportKeyPairCommand } from '@aws-sdk/client-ec2'
import { cleanupLeftovers, sweepTagged } from '@tsimg/core/node'
import { BUILD_ID_LABEL, CREATED_AT_LABEL, KEPT_LABEL, generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, journalFiles, leftovers, removeDir, startEmulator, tempStateDir, type Emulator } from './support.js'

const CLI = resolve(import.meta.dirname, '../../core/bin/tsimg.js')
let emu: Emulator
let ec2: EC2Client
let stateDir: string
const savedEnv = { ...process.env }

beforeAll(async () => {
  emu = await startEmulator()
  ec2 = new EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
})
afterEach(async () => {
  process.env = { ...savedEnv }
  await emu.reset()
  if (stateDir) await removeDir(stateDir)
})
afterAll(async () => {
  ec2?.destroy()
  await emu?.stop()
})

/** The credentials `tsimg cleanup` finds in its environment. */
function useCredentials(accessKeyId: string, secretAccessKey: string) {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-east-1' })
  delete process.env.AWS_PROFILE
  delete process.env.AWS_SESSION_TOKEN
}

async function keyPair(name: string, tags: Record<string, string>) {
  await ec2.send(
    new ImportKeyPairCommand({
      KeyName: name,
      PublicKeyMaterial: Buffer.from(generateKeyPair().publicKey),
      TagSpecifications: [{ ResourceType: 'key-pair', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
    }),
  )
}

async function keyPairExists(name: string): Promise<boolean> {
  const res = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [name] }] }))
  return (res.KeyPairs ?? []).length > 0
}

/** A journal as a killed build leaves it: two key pairs, one real and one already gone. */
async function writeJournal(buildId: string, over: { account?: string; host?: string; profile?: string } = {}) {
  stateDir = await tempStateDir()
  await mkdir(join(stateDir, 'journal'), { recursive: true })
  const data = { region: 'us-east-1', endpoint: emu.endpoint, account: over.account ?? emu.accountId, buildId, ...(over.profile && { profile: over.profile }) }
  const entry = (id: string) => ({
    id: `e-${id}`,
    plugin: '@tsimg/builder-aws',
    kind: 'key-pair',
    description: `key pair ${id}`,
    data: { ...data, id },
    createdAt: new Date().toISOString(),
  })
  await writeFile(
    join(stateDir, 'journal', `${buildId}.json`),
    JSON.stringify({
      version: 1,
      buildId,
      build: 'amazon-ebs.test',
      pid: 2 ** 22 - 3,
      host: over.host ?? hostname(),
      startedAt: new Date().toISOString(),
      resources: [entry(`${buildId}-real`), entry(`${buildId}-gone`)],
      scopes: [{ plugin: '@tsimg/builder-aws', data }],
    }),
  )
  await keyPair(`${buildId}-real`, { [BUILD_ID_LABEL]: buildId })
}

async function cleanup(opts: { otherHosts?: boolean } = {}) {
  const lines: string[] = []
  const report = await cleanupLeftovers({ stateDir, log: (t) => lines.push(t), ...opts })
  return { report, out: lines.join('\n') }
}

describe('tsimg cleanup deletes only what it can vouch for', () => {
  it('with credentials the endpoint refuses, it says it cannot tell the account, deletes nothing and keeps the journal', async () => {
    await writeJournal('tsimg-othercreds1')
    useCredentials('AKIAOTHERCREDENTIALS', 'not-the-emulator-secret-0000000000000000')
    const { report, out } = await cleanup()
    expect(out).toMatch(
      /Not deleting anything recorded in @tsimg\/builder-aws account 123456789012, us-east-1, http:\/\/127.0.0.1:\d+: cannot tell which account these credentials reach: EC2 DescribeSecurityGroups failed at .*AuthFailure \(HTTP 401\)/,
    )
    expect(report.deleted).toBe(0)
    expect(await keyPairExists('tsimg-othercreds1-real')).toBe(true)
    // The "gone" key pair was not counted as deleted either: its entry stays.
    expect(await journalFiles(stateDir)).toEqual(['tsimg-othercreds1.json'])
  })

  it('with credentials of another account than the build used, it names both accounts and the profile, deletes nothing and keeps the journal', async () => {
    await writeJournal('tsimg-otheracct1', { account: '210987654321', profile: 'ci-images' })
    useCredentials(emu.credentials.accessKeyId, emu.credentials.secretAccessKey)
    const { report, out } = await cleanup()
    expect(out).toContain("the build used AWS account 210987654321 (the build used profile 'ci-images'), but these credentials reach account 123456789012")
    expect(report.deleted).toBe(0)
    expect(report.failed.length).toBeGreaterThan(0)
    expect(await keyPairExists('tsimg-otheracct1-real')).toBe(true)
    expect(await journalFiles(stateDir)).toEqual(['tsimg-otheracct1.json'])
  })

  it('with the right account, it deletes what exists and counts the one already gone as done', async () => {
    await writeJournal('tsimg-rightacct1')
    useCredentials(emu.credentials.accessKeyId, emu.credentials.secretAccessKey)
    const { report, out } = await cleanup()
    expect(report.failed, out).toEqual([])
    expect(report.deleted).toBe(2)
    expect(await keyPairExists('tsimg-rightacct1-real')).toBe(false)
    expect(await journalFiles(stateDir)).toEqual([])
  })

  it('a journal written on another host is not treated as dead: skipped until --other-hosts says its build is over', async () => {
    await writeJournal('tsimg-otherhost1', { host: 'ci-runner-7' })
    useCredentials(emu.credentials.accessKeyId, emu.credentials.secretAccessKey)
    const first = await cleanup()
    expect(first.out).toContain("Skipping build 'amazon-ebs.test' (tsimg-otherhost1): its journal was written on host ci-runner-7")
    expect(first.report.running).toBe(1)
    expect(await keyPairExists('tsimg-otherhost1-real')).toBe(true)
    const second = await cleanup({ otherHosts: true })
    expect(second.report.failed).toEqual([])
    expect(await keyPairExists('tsimg-otherhost1-real')).toBe(false)
    expect(await journalFiles(stateDir)).toEqual([])
  })
})

describe('tsimg cleanup --sweep finds what tsimg tagged, without any journal', () => {
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString()

  async function orphans() {
    await keyPair('swept-old', { [BUILD_ID_LABEL]: 'tsimg-deadrunner1', [CREATED_AT_LABEL]: hoursAgo(5) })
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'swept-old',
        Description: 'orphan',
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [
              { Key: BUILD_ID_LABEL, Value: 'tsimg-deadrunner1' },
              { Key: CREATED_AT_LABEL, Value: hoursAgo(5) },
            ],
          },
        ],
      }),
    )
    await keyPair('swept-young', { [BUILD_ID_LABEL]: 'tsimg-stillrunning', [CREATED_AT_LABEL]: hoursAgo(0) })
    await keyPair('kept-artifact', { [BUILD_ID_LABEL]: 'tsimg-succeeded1', [CREATED_AT_LABEL]: hoursAgo(9), [KEPT_LABEL]: 'tsimg-succeeded1' })
  }

  it('lists each resource with its build id and age; without a terminal and without --yes it deletes nothing', async () => {
    await orphans()
    const out = await new Promise<string>((res) => {
      const child = spawn(
        process.execPath,
        [CLI, 'cleanup', '--sweep', '--cloud', 'aws', '--region', 'us-east-1', '--endpoint', emu.endpoint, '--older-than', '2h'],
        {
          env: cliEnv(emu, '/nonexistent'),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let text = ''
      child.stdout.on('data', (d: Buffer) => (text += d.toString()))
      child.stderr.on('data', (d: Buffer) => (text += d.toString()))
      child.on('exit', () => res(text))
    })
    expect(out).toMatch(/key pair swept-old .*build tsimg-deadrunner1 {2}age 5h/)
    expect(out).toMatch(/security group sg-\w+ swept-old .*build tsimg-deadrunner1 {2}age 5h/)
    expect(out).toMatch(/key pair swept-young .*build tsimg-stillrunning {2}age 0m {2}\(kept: younger than --older-than\)/)
    expect(out).not.toContain('kept-artifact')
    expect(out).toContain('Nothing was deleted: no terminal to confirm; run again with --yes')
    expect(
      leftovers(emu)
        .filter((e) => e.type === 'key-pair')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['kept-artifact', 'swept-old', 'swept-young'])
  })

  it('with --yes it deletes the old ones only, never a kept artifact, and refuses another account', async () => {
    await orphans()
    useCredentials(emu.credentials.accessKeyId, emu.credentials.secretAccessKey)
    const lines: string[] = []
    const wrong = await sweepTagged({
      clouds: ['aws'],
      target: { region: 'us-east-1', endpoint: emu.endpoint, account: '210987654321' },
      olderThanMs: 0,
      yes: true,
      log: (t) => lines.push(t),
    })
    expect(wrong.deleted).toBe(0)
    expect(lines.join('\n')).toContain('these credentials reach AWS account 123456789012, not 210987654321; nothing was searched')
    const report = await sweepTagged({
      clouds: ['aws'],
      target: { region: 'us-east-1', endpoint: emu.endpoint },
      olderThanMs: 2 * 3_600_000,
      yes: true,
      log: (t) => lines.push(t),
    })
    expect(report.failed).toEqual([])
    expect(report.deleted).toBe(2)
    expect(
      leftovers(emu)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['kept-artifact', 'swept-young'])
  })
})
