/**
 * The set-up of the docker tests that stop a build at one exact docker command with a held
 * docker CLI (fixtures/held-docker.sh, held-nth-docker.sh): the CLI writes `held` in its hold
 * folder when it stops, goes on when the test writes `release`, and writes `done` when the
 * command has finished. No timing decides where a cancel, an interrupt or a kill lands.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect } from 'vitest'
import { cleanupLeftovers } from '@tsimg/core/node'
import { sandbox, type Sandbox } from '../helpers.js'

const testDir = join(import.meta.dirname, '..')
export const pkgDir = join(testDir, '..')
const BIN = join(pkgDir, '..', 'core', 'bin', 'tsimg.js')
export const fixture = (name: string): string => join(testDir, 'fixtures', name)

export const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  )

/** Polls for a file the held docker CLI writes; fails at once if `ended()` says (with the build's output) that the build is over. */
export async function waitForFile(path: string, ended: () => string | undefined = () => undefined): Promise<void> {
  while (!(await exists(path))) {
    const why = ended()
    if (why !== undefined) throw new Error(`the build ended before ${path} appeared:\n${why}`)
    await sleep(100)
  }
}

/** What the held docker CLI reads: which command to hold (`run:before`, `commit:after`...), the hold folder, the build's name. */
export function heldEnv(o: { bin?: string; hold: string; dir: string; name: string; nth?: number }): Record<string, string> {
  return {
    TSIMG_STATE_DIR: join(o.dir, 'state'),
    TSIMG_DOCKER_BIN: fixture(o.bin ?? 'held-docker.sh'),
    TSIMG_TEST_HOLD: o.hold,
    TSIMG_TEST_HOLD_DIR: o.dir,
    TSIMG_TEST_NAME: o.name,
    ...(o.nth !== undefined && { TSIMG_TEST_HOLD_NTH: String(o.nth) }),
  }
}

/** A `tsimg` process of the test: its output so far, its exit, and a wait for a text in its output. */
export interface TsimgChild {
  readonly proc: ChildProcess
  output(): string
  /** The output once the process has ended, else undefined (for `waitForFile`). */
  ended(): string | undefined
  readonly exited: Promise<number | null>
  /** Resolves once the output has `text`; rejects, with the output, if the process exits without it. */
  waitForText(text: string): Promise<void>
}

/** The one journal a killed build left in a state folder. */
export async function onlyJournal(stateDir: string): Promise<{ buildId: string; resources: { kind: string }[] }> {
  const journals = await readdir(join(stateDir, 'journal'))
  expect(journals).toHaveLength(1)
  return JSON.parse(await readFile(join(stateDir, 'journal', journals[0]!), 'utf8')) as { buildId: string; resources: { kind: string }[] }
}

/**
 * A test file's held builds: a sandbox for the file, a hold folder per case (`holdDir`, with its
 * `state` folder), `tsimg` processes (`tsimg`). After the file every process is killed, every held
 * command released, and what a failed case left journaled is cleaned up, so one failing case
 * leaves nothing in the way of the next run.
 */
export function heldDockerFile(): { holdDir(name: string): Promise<string>; tsimg(args: string[], env: Record<string, string>): TsimgChild } {
  let sb: Sandbox
  const holdDirs: string[] = []
  const children: ChildProcess[] = []
  beforeAll(async () => {
    sb = await sandbox()
  })
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL')
    for (const d of holdDirs) await writeFile(join(d, 'release'), '').catch(() => undefined)
    for (const d of holdDirs) await cleanupLeftovers({ stateDir: join(d, 'state'), log: () => {}, cwd: pkgDir })
    await sb.dispose()
  })
  return {
    async holdDir(name) {
      const dir = join(sb.dir, name)
      await mkdir(join(dir, 'state'), { recursive: true })
      holdDirs.push(dir)
      return dir
    },
    tsimg(args, env) {
      const proc = spawn(process.execPath, [BIN, ...args], { cwd: pkgDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
      children.push(proc)
      let out = ''
      const listeners: Array<() => void> = []
      const onData = (d: Buffer) => {
        out += d.toString()
        for (const l of listeners) l()
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)))
      return {
        proc,
        output: () => out,
        ended: () => (proc.exitCode !== null || proc.signalCode !== null ? out : undefined),
        exited,
        waitForText: (text) =>
          new Promise<void>((resolve, reject) => {
            const check = () => (out.includes(text) ? resolve() : undefined)
            listeners.push(check)
            check()
            void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`exited without printing ${JSON.stringify(text)}:\n${out}`))))
          }),
      }
    },
  }
}
