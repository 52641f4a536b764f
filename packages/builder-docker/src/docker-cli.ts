/**
 * The `docker` CLI, run without a shell (arguments are passed as a list, never interpolated),
 * the way Packer's docker builder drives Docker.
 */
import { execFile } from 'node:child_process'
import { TsimgError } from '@tsimg/core'

export interface DockerRunOptions {
  /** Kills the docker CLI process when it fires. */
  readonly signal?: AbortSignal
  /** Exit codes that are not errors (e.g. `docker image inspect` of a missing image: 1). */
  readonly allowExitCodes?: readonly number[]
}

export interface DockerResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/** A docker command failed; `stderr` holds Docker's own explanation. */
export class DockerError extends TsimgError {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super('DOCKER_FAILED', `docker ${args[0] ?? ''} failed: ${explain(stderr, exitCode)}`, options)
  }
}

/** The line of Docker's stderr that says what went wrong (not its `Run 'docker run --help'` footer). */
function explain(stderr: string, exitCode: number | null): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Run '.*--help'/.test(l))
  const line = lines.find((l) => /error/i.test(l)) ?? lines.pop()
  return line ? line.replace(/^docker: /, '') : `exit code ${exitCode}`
}

/** The executable; tests and unusual setups may point it elsewhere. */
const dockerBin = (): string => process.env.TSIMG_DOCKER_BIN || 'docker'

/** Runs `docker <args>` and returns its output; rejects with DockerError on a non-zero exit. */
export function docker(args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    execFile(
      dockerBin(),
      [...args],
      { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(opts.signal ? { signal: opts.signal } : {}) },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr, exitCode: 0 })
        const e = err as NodeJS.ErrnoException & { code?: unknown }
        if (e.name === 'AbortError') return reject(err)
        if (e.code === 'ENOENT') {
          return reject(
            new TsimgError('DOCKER_MISSING', `the docker CLI (${dockerBin()}) was not found`, {
              cause: err,
              hint: 'Install Docker and make sure `docker` is on PATH.',
            }),
          )
        }
        const code = typeof e.code === 'number' ? e.code : null
        if (code !== null && opts.allowExitCodes?.includes(code)) return resolve({ stdout, stderr, exitCode: code })
        reject(new DockerError(args, code, stderr, { cause: err }))
      },
    )
  })
}

/** Whether a docker error says the object does not exist (so deleting it is already done). */
export function isNotFound(err: unknown): boolean {
  return err instanceof DockerError && /no such (container|image|object)|not found/i.test(err.stderr)
}

/** `docker image inspect` -> the image id, or undefined when there is no such image. */
export async function imageId(ref: string, signal?: AbortSignal): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { allowExitCodes: [1], ...(signal ? { signal } : {}) })
  if (r.exitCode !== 0) {
    if (/no such image/i.test(r.stderr)) return undefined
    throw new DockerError(['image', 'inspect', ref], r.exitCode, r.stderr)
  }
  return r.stdout.trim() || undefined
}

/** Removes a container and its anonymous volumes; a missing container counts as removed. */
export async function removeContainer(id: string, signal?: AbortSignal): Promise<void> {
  try {
    await docker(['rm', '-f', '-v', id], signal ? { signal } : {})
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}

/** Ids of all containers (running or not) that carry every one of these labels. */
export async function containersWithLabels(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<string[]> {
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`])
  const r = await docker(['ps', '-a', '-q', '--no-trunc', ...filters], signal ? { signal } : {})
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean)
}

/** Single-quotes a value for /bin/sh inside the container. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}
