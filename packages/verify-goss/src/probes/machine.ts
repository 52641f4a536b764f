import { CancelledError } from '@tsimg/core/plugin'
import type { GossExec, GossExecResult, RunOptions } from '../types.js'

/** Single-quotes a string for sh. */
export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** Go's time.Duration String() for whole milliseconds: 500ms, 10s, 1.5s, 1m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const s = ms / 1000
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  const rest = s - m * 60
  if (m < 60) return `${m}m${rest}s`
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`
}

const TOOLS = [
  'timeout',
  'bash',
  'python3',
  'curl',
  'systemctl',
  'dpkg-query',
  'rpm',
  'pacman',
  'apk',
  'ip',
  'getent',
  'stat',
  'id',
  'service',
  'rc-service',
  'od',
  'dd',
] as const
type Tool = (typeof TOOLS)[number]

/** The distribution as goss tells it from release files. */
type Distro = 'ubuntu' | 'redhat' | 'alpine' | 'arch' | 'debian' | ''

export interface Caps {
  has(tool: Tool): boolean
  readonly alpine: boolean
  readonly distro: Distro
}

/** What one probe found for an attribute: a value to match, or why it could not be read (goss's Err). */
export type Found = { readonly value: unknown } | { readonly error: string }

/**
 * The machine under test as probes see it: one shell command at a time through `exec`
 * (with sudo when asked), a once-per-run look at which tools exist, and a per-run cache
 * for what several checks read (the socket tables, the process list, /etc/group).
 */
export class Machine {
  readonly #exec: GossExec
  readonly #opts: RunOptions
  #memo = new Map<string, Promise<unknown>>()
  #caps: Promise<Caps> | undefined

  constructor(exec: GossExec, opts: RunOptions) {
    this.#exec = exec
    this.#opts = opts
  }

  get signal(): AbortSignal | undefined {
    return this.#opts.signal
  }

  /** Runs a script with sh; the result is whatever the script printed and its status. */
  async sh(script: string, signal: AbortSignal | undefined = this.#opts.signal): Promise<GossExecResult> {
    if (signal?.aborted) throw new CancelledError('goss checks cancelled')
    const cmd = this.#opts.useSudo ? `sudo -n sh -c ${sq(script)}` : `sh -c ${sq(script)}`
    try {
      return await this.#exec(cmd, signal ? { signal } : {})
    } catch (err) {
      if (signal?.aborted) throw new CancelledError('goss checks cancelled')
      throw err
    }
  }

  /** Caches `fn` for this pass over the checks (cleared before a retry). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.#memo.get(key) as Promise<T> | undefined
    if (!p) {
      p = fn()
      this.#memo.set(key, p)
    }
    return p
  }

  resetMemo(): void {
    this.#memo = new Map()
  }

  caps(): Promise<Caps> {
    this.#caps ??= (async () => {
      const r = await this.sh(
        `for c in ${TOOLS.join(' ')}; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done; ` +
          `grep -qs Ubuntu /etc/lsb-release && echo distro=ubuntu; { [ -e /etc/redhat-release ] || [ -e /etc/system-release ]; } && echo distro=redhat; ` +
          `[ -e /etc/alpine-release ] && echo distro=alpine; [ -e /etc/arch-release ] && echo distro=arch; [ -e /etc/debian_version ] && echo distro=debian; exit 0`,
      )
      const lines = r.stdout.split('\n').map((l) => l.trim())
      const found = new Set(lines)
      // goss's order: the first release file that matches decides
      const distro = ((['ubuntu', 'redhat', 'alpine', 'arch', 'debian'] as const).find((d) => found.has(`distro=${d}`)) ?? '') as Distro
      return { has: (t: Tool) => found.has(t), alpine: distro === 'alpine', distro }
    })()
    return this.#caps
  }

  /** Wraps a command in coreutils `timeout` when the machine has it (exit 124 means it ran out). */
  async withTimeout(script: string, ms: number): Promise<{ script: string; bounded: boolean }> {
    const caps = await this.caps()
    if (!caps.has('timeout')) return { script, bounded: false }
    return { script: `timeout -k 1 ${(ms / 1000).toFixed(3)} sh -c ${sq(script)}`, bounded: true }
  }
}

/** `key=value` lines into a map (later keys win). */
export function kv(text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1))
  }
  return m
}
