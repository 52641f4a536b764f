import { setTimeout as sleep } from 'node:timers/promises'
/**
 * The `docker` CLI, run without a shell (arguments are passed as a list, never interpolated),
 * the way Packer's docker builder drives Docker.
 */
import { execFile, type ExecFileException } from 'node:child_process'
import { TsimgError, gatedExecFile } from '@tsimg/core/plugin'

export interface DockerRunOptions {
  /** Kills the docker CLI process when it fires. */
  readonly signal?: AbortSignal
  /** Exit codes that are not errors (e.g. `docker image inspect` of a missing image: 1). */
  readonly allowExitCodes?: readonly number[]
  /**
   * For a command that creates something: the CLI does not start until this resolves (it is
   * given the CLI's pid, to journal it). If it rejects, the CLI never runs.
   */
  readonly beforeStart?: (pid: number) => Promise<void>
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
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Run '.*--help'/.test(l))
  const line = lines.find((l) => /error/i.test(l)) ?? lines.pop()
  return line ? line.replace(/^docker: /, '') : `exit code ${exitCode}`
}

/** The executable; tests and unusual setups may point it elsewhere. */
export const dockerBin = (): string => process.env.TSIMG_DOCKER_BIN || 'docker'

/** Runs `docker <args>` and returns its output; rejects with DockerError on a non-zero exit. */
export function docker(args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const options = { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' as const, ...(opts.signal ? { signal: opts.signal } : {}) }
    let gateFailed: unknown
    const done = (err: ExecFileException | null, stdout: string, stderr: string): void => {
      if (gateFailed !== undefined) return reject(gateFailed)
      if (!err) return resolve({ stdout, stderr, exitCode: 0 })
      if (err.name === 'AbortError') return reject(err)
      const code = typeof err.code === 'number' ? err.code : null
      // Gated, the shell reports a missing docker as exit 127 instead of ENOENT.
      if (err.code === 'ENOENT' || (opts.beforeStart && code === 127 && /not found/.test(stderr))) {
        return reject(
          new TsimgError('DOCKER_MISSING', `the docker CLI (${dockerBin()}) was not found`, {
            cause: err,
            hint: 'Install Docker and make sure `docker` is on PATH.',
          }),
        )
      }
      if (code !== null && opts.allowExitCodes?.includes(code)) return resolve({ stdout, stderr, exitCode: code })
      reject(new DockerError(args, code, stderr, { cause: err }))
    }
    if (!opts.beforeStart) return void execFile(dockerBin(), [...args], options, done)
    const gated = gatedExecFile(dockerBin(), args, options, done)
    const pid = gated.child.pid
    if (pid === undefined) return // spawning failed; `done` reports it
    opts.beforeStart(pid).then(
      () => gated.release(),
      (err: unknown) => {
        gateFailed = err
        gated.child.stdin?.end() // EOF: the gate exits without running docker
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
    if (isNotFound(err)) return
    if (!isRemovalInProgress(err)) throw err
    // Another removal (a killed build's own `docker rm`) is under way: wait until it is done,
    // rather than failing and leaving the journal entry for a later cleanup. The CLI's `docker
    // wait` has no condition for "removed", so the container is looked at until it is gone.
    for (;;) {
      try {
        await docker(['container', 'inspect', '--format', '{{.State.Status}}', id], signal ? { signal } : {})
      } catch (inspectErr) {
        if (isNotFound(inspectErr)) return
        throw inspectErr
      }
      await sleep(200, undefined, signal ? { signal } : {})
    }
  }
}

/** Docker's "removal of container <id> is already in progress": the container is going. */
function isRemovalInProgress(err: unknown): boolean {
  return err instanceof DockerError && /removal of container .* is already in progress/i.test(err.stderr)
}

/** Ids of all containers (running or not) that carry every one of these labels. */
export async function containersWithLabels(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<string[]> {
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`])
  const r = await docker(['ps', '-a', '-q', '--no-trunc', ...filters], signal ? { signal } : {})
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Ids of all images that carry every one of these labels (tagged or not), each once. */
export async function imagesWithLabels(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<string[]> {
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`])
  const r = await docker(['image', 'ls', '-q', '--no-trunc', ...filters], signal ? { signal } : {})
  return [
    ...new Set(
      r.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
}

/** Single-quotes a value for /bin/sh inside the container. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}
