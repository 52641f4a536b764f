import type { ResourceType } from './types.js'

/** How an option's value is checked when the gossfile is read. */
export type OptionKind = 'string' | 'int' | 'bool' | 'strings' | 'duration' | 'any'

interface AttributeSpec {
  /** The key in the gossfile. */
  readonly key: string
  /** The property name goss reports (`linkedto` for `linked-to`, `version` for `versions`). */
  readonly property?: string
  /** goss validates it even when omitted (and fails with "Missing required attribute"). */
  readonly required?: boolean
  /** Compared against a stream read line by line (a list is a list of patterns). */
  readonly reader?: boolean
}

export interface ResourceSpec {
  /** goss's name of the type in results (`KernelParam`, `HTTP`). */
  readonly name: string
  /** The attribute that names what is probed; defaults to the key (`exec`, `path`, `url`...). */
  readonly idAttr?: string
  readonly attributes: readonly AttributeSpec[]
  /** Attributes that change how the probe runs, with their kind and goss's default. */
  readonly options: Readonly<Record<string, { kind: OptionKind; default?: unknown }>>
  /** When the first attribute fails (or is false), goss skips the others. */
  readonly skipDependents?: boolean
}

const retry = { retry_count: { kind: 'int' as const, default: 0 }, retry_delay: { kind: 'duration' as const, default: 0 } }

export const RESOURCES: Readonly<Record<ResourceType, ResourceSpec>> = {
  package: {
    name: 'Package',
    idAttr: 'name',
    attributes: [
      { key: 'installed', required: true },
      { key: 'versions', property: 'version' },
    ],
    options: retry,
    skipDependents: true,
  },
  file: {
    name: 'File',
    idAttr: 'path',
    attributes: [
      { key: 'exists', required: true },
      { key: 'mode' },
      { key: 'owner' },
      { key: 'uid' },
      { key: 'group' },
      { key: 'gid' },
      { key: 'linked-to', property: 'linkedto' },
      { key: 'filetype' },
      { key: 'contains', reader: true },
      { key: 'contents', reader: true },
      { key: 'size' },
      { key: 'md5' },
      { key: 'sha256' },
      { key: 'sha512' },
    ],
    options: {},
    skipDependents: true,
  },
  service: {
    name: 'Service',
    idAttr: 'name',
    attributes: [{ key: 'enabled' }, { key: 'running' }, { key: 'runlevels' }],
    options: {},
  },
  user: {
    name: 'User',
    idAttr: 'username',
    attributes: [{ key: 'exists', required: true }, { key: 'uid' }, { key: 'gid' }, { key: 'home' }, { key: 'groups' }, { key: 'shell' }],
    options: {},
    skipDependents: true,
  },
  group: {
    name: 'Group',
    idAttr: 'groupname',
    attributes: [{ key: 'exists', required: true }, { key: 'gid' }],
    options: {},
    skipDependents: true,
  },
  command: {
    name: 'Command',
    idAttr: 'exec',
    attributes: [
      { key: 'exit-status', required: true },
      { key: 'stdout', reader: true },
      { key: 'stderr', reader: true },
    ],
    options: { timeout: { kind: 'int', default: 10000 }, ...retry },
  },
  port: {
    name: 'Port',
    idAttr: 'port',
    attributes: [{ key: 'listening', required: true }, { key: 'ip' }],
    options: {},
    skipDependents: true,
  },
  process: {
    name: 'Process',
    idAttr: 'comm',
    attributes: [{ key: 'running', required: true }],
    options: {},
  },
  'kernel-param': {
    name: 'KernelParam',
    idAttr: 'name',
    attributes: [{ key: 'value', required: true }],
    options: {},
  },
  mount: {
    name: 'Mount',
    idAttr: 'mountpoint',
    attributes: [{ key: 'exists', required: true }, { key: 'opts' }, { key: 'vfs-opts' }, { key: 'source' }, { key: 'filesystem' }, { key: 'usage' }],
    options: { timeout: { kind: 'int', default: 1000 } },
    skipDependents: true,
  },
  http: {
    name: 'HTTP',
    idAttr: 'url',
    attributes: [
      { key: 'status', required: true },
      { key: 'headers', property: 'Headers', reader: true },
      { key: 'body', property: 'Body', reader: true },
    ],
    options: {
      method: { kind: 'string', default: 'GET' },
      'allow-insecure': { kind: 'bool', default: false },
      'no-follow-redirects': { kind: 'bool', default: false },
      timeout: { kind: 'int', default: 5000 },
      'request-headers': { kind: 'strings', default: [] },
      'request-body': { kind: 'string', default: '' },
      username: { kind: 'string', default: '' },
      password: { kind: 'string', default: '' },
      'ca-file': { kind: 'string', default: '' },
      'cert-file': { kind: 'string', default: '' },
      'key-file': { kind: 'string', default: '' },
      proxy: { kind: 'string', default: '' },
    },
    skipDependents: true,
  },
  addr: {
    name: 'Addr',
    idAttr: 'address',
    attributes: [{ key: 'reachable', required: true }],
    options: { timeout: { kind: 'int', default: 500 }, 'local-address': { kind: 'string', default: '' } },
  },
  dns: {
    name: 'DNS',
    idAttr: 'resolve',
    attributes: [{ key: 'resolvable', required: true }, { key: 'addrs' }],
    options: { timeout: { kind: 'int', default: 500 }, server: { kind: 'string', default: '' }, ...retry },
    skipDependents: true,
  },
  interface: {
    name: 'Interface',
    idAttr: 'name',
    attributes: [{ key: 'exists', required: true }, { key: 'addrs' }, { key: 'mtu' }],
    options: {},
    skipDependents: true,
  },
  matching: {
    name: 'Matching',
    attributes: [{ key: 'matches', required: true }],
    options: { content: { kind: 'any', default: null }, 'as-reader': { kind: 'bool', default: false } },
  },
}

/** Keys every resource accepts besides its attributes and options. */
export const COMMON_KEYS = ['title', 'meta', 'skip'] as const

/** Keys of a `gossfile:` include. */
export const GOSSFILE_KEYS = ['file', 'skip', 'title', 'meta'] as const

/** Matchers tsimg interprets (goss's, plus gomega's have-key-with-value). */
export const MATCHERS = [
  'equal',
  'have-prefix',
  'have-suffix',
  'match-regexp',
  'contain-substring',
  'have-len',
  'have-patterns',
  'have-key',
  'have-key-with-value',
  'contain-element',
  'contain-elements',
  'not',
  'consist-of',
  'and',
  'or',
  'gt',
  'ge',
  'lt',
  'le',
  'semver-constraint',
  'gjson',
] as const
