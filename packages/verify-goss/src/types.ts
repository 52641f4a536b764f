/** The resource types a gossfile may declare, as goss names them. */
export const RESOURCE_TYPES = [
  'package',
  'file',
  'service',
  'user',
  'group',
  'command',
  'port',
  'process',
  'kernel-param',
  'mount',
  'http',
  'addr',
  'dns',
  'interface',
  'matching',
] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]

/** Where a key was written: the gossfile and its 1-based line. */
export interface Where {
  readonly file: string
  readonly line: number
}

/**
 * An expected value as written in the gossfile: a plain value (bool, number, string, list, map)
 * or a matcher object such as `{ 'match-regexp': '^ok' }`, already checked for known matcher names.
 */
export type Expected = unknown

/** One attribute of a check that is compared (e.g. `running: true`), with where it was written. */
export interface ExpectedAttribute {
  /** The key as written (`linked-to`). */
  readonly name: string
  /** The property goss reports (`linkedto`). */
  readonly property: string
  readonly value: Expected
  /** Compared against output read line by line: a list is a list of patterns (`/re/`, `!text`). */
  readonly reader: boolean
  readonly where: Where
}

/** One resource of a gossfile (e.g. `service: { sshd: {...} }`), with goss's defaults applied. */
export interface GossCheck {
  readonly type: ResourceType
  /** The key under the resource type (`sshd`, `tcp:22`, `http://10.0.0.1/`). */
  readonly id: string
  /** What is probed: `name:` when given (command, service...), else the id. */
  readonly target: string
  readonly title?: string
  readonly meta?: Readonly<Record<string, unknown>>
  readonly skip: boolean
  /** Attributes to compare, in gossfile order (goss's defaults included where goss adds them). */
  readonly attributes: readonly ExpectedAttribute[]
  /** Attributes that change how the probe runs, not what is compared (timeout, server, method, ...). */
  readonly options: Readonly<Record<string, unknown>>
  readonly where: Where
}

/** All checks of a gossfile and the files it included, merged as goss merges them (later file wins per id). */
export interface GossSuite {
  /** The top gossfile, absolute. */
  readonly file: string
  /** Every file read, the top one first. */
  readonly files: readonly string[]
  readonly checks: readonly GossCheck[]
  /** The variables the templates saw (`.Vars`), for `render` and messages. */
  readonly vars: Readonly<Record<string, unknown>>
  /** What goss warns about on stderr (an empty pattern list, which asserts nothing), with file:line. */
  readonly warnings: readonly string[]
}

export interface LoadOptions {
  /** goss's `--vars`: a YAML or JSON file of variables. */
  varsFile?: string
  /** goss's `--vars-inline`: a YAML/JSON string or an object; wins over varsFile per key. */
  varsInline?: string | Readonly<Record<string, unknown>>
  /** `.Env` of the templates; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>
}

/** What a probe command returned. */
export interface GossExecResult {
  readonly stdout: string
  readonly stderr: string
  /** null when the command was killed by a signal. */
  readonly exitCode: number | null
}

/**
 * Runs one shell command (`sh -c` semantics) on the machine under test. Core's Communicator
 * fits through `execOver(communicator)`; a test may pass a `docker exec` wrapper.
 */
export type GossExec = (command: string, options?: { signal?: AbortSignal }) => Promise<GossExecResult>

export interface RunOptions {
  signal?: AbortSignal
  /** goss validate's `--retry-timeout`: keep re-running failed checks until they pass or this passes (ms). */
  retryTimeoutMs?: number
  /** goss validate's `--sleep`: pause between retries (ms, default 1000). */
  sleepMs?: number
  /** goss's `--max-concurrent` (default 50): checks probed at once. */
  maxConcurrent?: number
  /** Run probes through `sudo -n sh -c` (Packer goss provisioner's `use_sudo`). */
  useSudo?: boolean
  /** Called before each retry of a failed pass (goss prints "Retrying in ..."). */
  onRetry?: (info: { attempt: number; failed: number; elapsedMs: number }) => void
}

export type Outcome = 'pass' | 'fail' | 'skip'

/** One compared attribute of one check, as goss reports a test result. */
export interface GossResult {
  /** The gossfile key of the type (`kernel-param`). */
  readonly type: ResourceType
  /** goss's name of the type in its output (`KernelParam`). */
  readonly resourceType: string
  readonly resourceId: string
  readonly property: string
  readonly title?: string
  readonly meta?: Readonly<Record<string, unknown>>
  readonly outcome: Outcome
  readonly successful: boolean
  readonly skipped: boolean
  /** The expected value, as goss prints it (JSON). */
  readonly expected: string
  /** What was found, as goss prints it (JSON); absent on skip or probe error. */
  readonly found?: string
  /** The matcher's verb as goss words it: `to equal`, `to have patterns`, `matches expectation`. */
  readonly matcherMessage: string
  /**
   * goss's full wording of the result: for a failure `Expected\n    false\nto equal\n    true`
   * (plus missing elements and transforms), for a pass `matches expectation: true`, for a skip `skipped`.
   */
  readonly message: string
  /** goss's one-result line(s): `Service: sshd: running:\nExpected ...`. */
  readonly summary: string
  /** A probe that could not run or timed out (as goss's `Err`). */
  readonly error?: string
  /** goss's matcher-result: the values behind `message` (absent on skip and error). */
  readonly matcherResult?: {
    readonly actual: unknown
    readonly message: string
    readonly expected: unknown
    readonly missingElements?: unknown
    readonly extraElements?: unknown
    readonly transformChain?: readonly unknown[]
    readonly untransformed?: unknown
  }
  readonly durationMs: number
  readonly where: Where
}

/** goss validate's `--format` values that tsimg writes. */
export type GossFormat = 'documentation' | 'rspecish' | 'json' | 'junit' | 'tap' | 'nagios' | 'prometheus' | 'silent' | 'structured'
/** goss validate's `--format-options`. */
export type GossFormatOption = 'perfdata' | 'verbose' | 'pretty' | 'sort' | 'exclude_raw'
