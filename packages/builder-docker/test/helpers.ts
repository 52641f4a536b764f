/** Shared by the docker builder's tests: a private state dir, a build runner, leak checks. */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build, type BuildEvent, type BuildOptions, type BuildRunResult } from '@tsimg/core/node'

const exec = promisify(execFile)

/**
 * Unique per test process: image tags and build names carry it, so two test runs at the same
 * time (two people, or `npm test` while a single file runs) never touch each other's images.
 */
export const RUN_ID = Math.random().toString(36).slice(2, 8)

export const BASE_IMAGE = process.env.TSIMG_BASE_IMAGE || 'tsimg/debian-ssh:bookworm'

/** `docker <args>` -> stdout (trimmed); throws on a non-zero exit. */
export async function dockerOut(...args: string[]): Promise<string> {
  return (await exec('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim()
}

/** `docker run --rm <image> sh -c <script>` -> stdout, with the image's own entrypoint replaced. */
export function runInImage(image: string, script: string): Promise<string> {
  return dockerOut('run', '--rm', '--pull', 'never', '--entrypoint', '/bin/sh', image, '-c', script)
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await dockerOut('image', 'inspect', ref)
    return true
  } catch {
    return false
  }
}

/** Removes images (by tag or id), ignoring ones that are gone. */
export async function removeImages(...refs: string[]): Promise<void> {
  for (const ref of refs) await exec('docker', ['rmi', '-f', ref]).catch(() => undefined)
}

export interface Sandbox {
  readonly dir: string
  readonly stateDir: string
  /** Runs build() with this sandbox's state dir, collecting events. */
  run(options: Omit<BuildOptions, 'stateDir'>): Promise<BuildRunResult & { events: BuildEvent[]; lines: string[] }>
  /** What the build left: containers labelled with its id, key files, journal files. */
  leftovers(buildId: string): Promise<{ containers: string; keys: string[]; journals: string[] }>
  dispose(): Promise<void>
}

/**
 * A temp dir used as TSIMG_STATE_DIR (the temporary key pair step writes its key there), so a
 * test can see that no key file and no journal is left.
 */
export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'tsimg-docker-test-'))
  const stateDir = join(dir, 'state')
  process.env.TSIMG_STATE_DIR = stateDir
  const list = async (sub: string) => readdir(join(stateDir, sub)).catch(() => [] as string[])
  return {
    dir,
    stateDir,
    async run(options) {
      const events: BuildEvent[] = []
      const res = await build({
        typecheck: false,
        ...options,
        stateDir,
        onEvent: (e) => {
          events.push(e)
          options.onEvent?.(e)
        },
      })
      const lines = events.flatMap((e) => (e.type === 'ui' ? [e.text] : []))
      return { ...res, events, lines }
    },
    async leftovers(buildId) {
      return {
        containers: await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=${buildId}`),
        keys: await list('keys'),
        journals: await list('journal'),
      }
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** What a build that cleaned up after itself leaves: nothing. */
export const NOTHING = { containers: '', keys: [], journals: [] }
