/** Shared by the ansible provisioner's tests: run one provisioner as the provision step does, and look for leftovers. */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll } from 'vitest'
import { removeImages, sandbox, type Sandbox } from '../../builder-docker/test/helpers.js'
import {
  BuildUi,
  Redactor,
  nonInteractive,
  runProvisioner,
  type BuildEvent,
  type BuildInfo,
  type Communicator,
  type ProvisionerPlugin,
} from '@tsimg/core/plugin'

const exec = promisify(execFile)

export const FIXTURES = join(import.meta.dirname, 'fixtures')
const build: BuildInfo = { id: 'b-ansible', name: 'docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: FIXTURES }

/**
 * Every temporary file of the provisioner (and of ansible, which it points there) lands in
 * os.tmpdir(): a private one per test file shows whether anything was left.
 */
export async function privateTmpdir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tsimg-ansible-test-'))
  process.env.TMPDIR = dir
  return dir
}

export interface Provisioned {
  lines: string[]
  error?: Error
}

/** Validates then runs one provisioner; returns what the user saw (`level: text`). */
export async function provision(
  p: ProvisionerPlugin,
  communicator: Communicator,
  opts: { signal?: AbortSignal; secrets?: string[]; onLine?: (line: string) => void } = {},
): Promise<Provisioned> {
  const events: BuildEvent[] = []
  const redactor = new Redactor()
  for (const s of [...(opts.secrets ?? []), ...(p.secrets?.() ?? [])]) redactor.add(s)
  const ui = new BuildUi(
    build.name,
    (e) => {
      events.push(e)
      if (e.type === 'ui') opts.onLine?.(e.text)
    },
    nonInteractive,
    redactor,
  )
  let error: Error | undefined
  try {
    await p.validate?.({ templateDir: FIXTURES, templateFile: join(FIXTURES, 'image.ts'), path: 'provisioners[0]' })
    await runProvisioner(p, { communicator, ui, signal: opts.signal ?? new AbortController().signal, build, generated: {}, templateDir: FIXTURES })
  } catch (err) {
    error = err as Error
  }
  const lines = events.flatMap((e) => (e.type === 'ui' ? [`${e.level}: ${e.text}`] : []))
  return error ? { lines, error } : { lines }
}

/** Command lines of live processes that mention `text` (the private tmpdir: ansible, its workers, ssh). */
export async function processesMentioning(text: string): Promise<string[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid,args', '--no-headers'])
  return stdout.split('\n').filter((l) => l.includes(text) && !l.includes(' ps -eo'))
}

/** Every file under dir (recursively), with its mode. */
export async function filesUnder(dir: string): Promise<{ path: string; mode: number }[]> {
  const out: { path: string; mode: number }[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name)
    out.push({ path, mode: (await stat(path)).mode & 0o777 })
  }
  return out
}

/** Files under dir whose content contains `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = []
  for (const f of await filesUnder(dir)) {
    const text = await readFile(f.path, 'utf8').catch(() => '')
    if (text.includes(needle)) hits.push(f.path)
  }
  return hits
}

/** A docker-build sandbox (private state dir) plus a private tmpdir, for whole-build tests. */
export interface BuildBox {
  readonly box: Sandbox
  readonly tmp: string
}

/** Registers this file's beforeAll/afterAll; afterwards the images, the sandbox and the tmpdir are removed. */
export function useBuildBox(images: readonly string[]): BuildBox {
  let made: BuildBox | undefined
  beforeAll(async () => {
    const box = await sandbox()
    made = { box, tmp: await privateTmpdir() }
  })
  afterAll(async () => {
    await removeImages(...images)
    await made?.box.dispose()
    if (made) await rm(made.tmp, { recursive: true, force: true })
  })
  return {
    get box() {
      return made!.box
    },
    get tmp() {
      return made!.tmp
    },
  }
}
