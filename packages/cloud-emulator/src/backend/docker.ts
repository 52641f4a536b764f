import { execFile, spawn } from 'node:child_process'

/** Label every container and committed image carries, valued with the emulator's session id. */
export const SESSION_LABEL = 'tsimg-emulator'
/** Pid of the emulator process that owns the resource, so a sweep spares live emulators. */
export const PID_LABEL = 'tsimg-emulator.pid'
/** Loopback address a container's sshd is published on, so emulators in other processes avoid it. */
export const ADDRESS_LABEL = 'tsimg-emulator.address'
/** Marks images the emulator committed (containers from them inherit it, harmlessly). */
export const IMAGE_LABEL = 'tsimg-emulator.image'

/** Repository of images kept at stop (keepImages): a sweep leaves every image with such a tag. */
export const KEPT_REPOSITORY = 'tsimg-emulator-kept'

export class DockerError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`docker ${args[0] ?? ''} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`)
    this.name = 'DockerError'
  }
}

/** Runs `docker ...` and returns its trimmed stdout; stdin, when given, is written to it. */
export function docker(args: readonly string[], stdin?: string): Promise<string> {
  if (stdin === undefined) {
    return new Promise((resolve, reject) => {
      execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new DockerError(args, stderr || error.message))
        else resolve(stdout.trim())
      })
    })
  }
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', (e) => reject(new DockerError(args, e.message)))
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new DockerError(args, err || `exit ${code}`))))
    child.stdin.end(stdin)
  })
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', ref])
    return true
  } catch {
    return false
  }
}

/** Loopback addresses held by any emulator's containers on this docker engine. */
export async function addressesInUse(): Promise<Set<string>> {
  const out = await docker(['ps', '-a', '--filter', `label=${ADDRESS_LABEL}`, '--format', `{{.Label "${ADDRESS_LABEL}"}}`])
  return new Set(out.split('\n').filter(Boolean))
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes containers and committed images left by emulators that are no longer running
 * (or, with `all`, by every emulator). Returns what it removed.
 */
export async function sweep(opts: { all?: boolean; session?: string } = {}): Promise<{ containers: string[]; images: string[] }> {
  const stale = (labels: string): boolean => {
    const map = new Map(
      labels.split(',').map((kv) => {
        const i = kv.indexOf('=')
        return [kv.slice(0, i), kv.slice(i + 1)] as const
      }),
    )
    if (opts.session) return map.get(SESSION_LABEL) === opts.session || map.get(IMAGE_LABEL) === opts.session
    if (opts.all) return true
    const pid = Number(map.get(PID_LABEL))
    return !Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)
  }
  const containers: string[] = []
  const ps = await docker(['ps', '-a', '--filter', `label=${SESSION_LABEL}`, '--format', '{{.ID}}\t{{.Names}}\t{{.Labels}}'])
  for (const line of ps.split('\n').filter(Boolean)) {
    const [id, name, labels] = line.split('\t')
    if (id && stale(labels ?? '')) {
      await docker(['rm', '-f', '-v', id]).catch(() => undefined)
      containers.push(name ?? id)
    }
  }
  const images: string[] = []
  const ls = await docker(['images', '--filter', `label=${IMAGE_LABEL}`, '--format', '{{.Repository}}:{{.Tag}}\t{{.ID}}'])
  for (const line of ls.split('\n').filter(Boolean)) {
    const [ref, id] = line.split('\t')
    if (!ref || !id || ref.startsWith(`${KEPT_REPOSITORY}/`)) continue
    const tags = await docker(['image', 'inspect', '--format', '{{join .RepoTags " "}}', id]).catch(() => '')
    if (tags.split(' ').some((t) => t.startsWith(`${KEPT_REPOSITORY}/`))) continue
    const labels = await docker(['image', 'inspect', '--format', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}', id]).catch(() => '')
    if (stale(labels.replace(/,$/, ''))) {
      await docker(['rmi', ref.includes('<none>') ? id : ref]).catch(() => undefined)
      images.push(ref)
    }
  }
  return { containers, images }
}
