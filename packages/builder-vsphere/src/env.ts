import { TsimgError, type BuildInfo } from '@tsimg/core/plugin'
import type { CloudScope } from '@tsimg/cloud-kit'
import type { CommonOptions } from './options.js'
import { VimClient } from './vim/client.js'
import type { MoRef } from './vim/xml.js'

/** What every vSphere step shares: the options, the build, the client once connected, the datacenter. */
export interface VsphereEnv<O extends CommonOptions = CommonOptions> {
  readonly options: O
  readonly build: BuildInfo
  client?: VimClient
  /** The datacenter's inventory path and object, once resolved. */
  datacenter?: { path: string; ref: MoRef; vmFolder: MoRef }
  /** Journaled with each entry (never the password): where `tsimg cleanup` goes back to. */
  scope: CloudScope
}

export function clientOf(env: VsphereEnv): VimClient {
  if (!env.client) throw new Error('not connected to vCenter')
  return env.client
}

/** `vcenter_server` as a scope: region is the server, endpoint the SDK URL (with `#insecure` when verification is off). */
export function scopeOf(o: Pick<CommonOptions, 'vcenterServer' | 'insecureConnection'>): CloudScope {
  const host = o.vcenterServer.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  return { region: host, endpoint: `https://${host}/sdk${o.insecureConnection ? '#insecure' : ''}` }
}

/** Journal data of a resource: scope plus build id. */
export function resourceData(env: VsphereEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...Object.fromEntries(Object.entries(env.scope).filter(([, v]) => typeof v === 'string' && v)), buildId: env.build.id, ...extra }
}

/** Connects and logs in, reading the vCenter's instance uuid (the "account" cleanup checks). */
export async function connect(env: VsphereEnv, signal: AbortSignal): Promise<VimClient> {
  const o = env.options
  const c = await VimClient.connect({ server: o.vcenterServer, username: o.username, password: o.password, insecure: o.insecureConnection, signal })
  env.client = c
  env.scope = { ...env.scope, account: c.instanceUuid }
  return c
}

/** Packer's datacenter lookup: the named one, or the only one. */
export async function resolveDatacenter(env: VsphereEnv, signal: AbortSignal): Promise<NonNullable<VsphereEnv['datacenter']>> {
  const c = clientOf(env)
  let dc: MoRef | undefined
  let path: string
  if (env.options.datacenter) {
    path = env.options.datacenter.replace(/^\/+/, '')
    dc = await c.findByPath(path, signal)
    if (!dc || dc.type !== 'Datacenter') throw notFound('datacenter', env.options.datacenter, 'datacenter')
  } else {
    const all = await c.all('Datacenter', ['name'], signal)
    if (all.size !== 1) {
      const names = [...all.values()].map((p) => p.string('name')).join(', ')
      throw new TsimgError(
        'VSPHERE_DATACENTER',
        all.size ? `vCenter has ${all.size} datacenters (${names}): set datacenter to one of them` : 'vCenter has no datacenter',
      )
    }
    dc = [...all.values()][0]!.self
    path = await c.pathOf(dc, signal)
  }
  const p = await c.get(dc, ['vmFolder'], signal)
  const vmFolder = p?.ref('vmFolder')
  if (!vmFolder) throw new Error(`datacenter ${path} has no vm folder`)
  env.datacenter = { path, ref: dc, vmFolder }
  return env.datacenter
}

export function notFound(what: string, name: string, option: string, extra = ''): TsimgError {
  return new TsimgError('VSPHERE_NOT_FOUND', `${what} '${name}' not found${extra}`, {
    hint: `check ${option}: names are inventory paths inside the datacenter, as in the vSphere client`,
  })
}

/**
 * An object of a type by name or path, as Packer's finder finds it: a path with a slash is
 * relative to `base` (the datacenter's vm, host or datastore folder); a bare name is searched
 * under it (recursively); several of that name is an error.
 */
export async function findInventory(
  env: VsphereEnv,
  type: string,
  folder: 'vm' | 'host' | 'datastore' | 'network',
  name: string,
  option: string,
  signal: AbortSignal,
): Promise<MoRef> {
  const c = clientOf(env)
  const dc = env.datacenter!
  const trimmed = name.replace(/^\/+/, '')
  const direct = await c.findByPath(name.startsWith('/') ? trimmed : `${dc.path}/${folder}/${trimmed}`, signal)
  if (direct && direct.type === type) return direct
  if (!trimmed.includes('/')) {
    const base = await c.findByPath(`${dc.path}/${folder}`, signal)
    const found = [...(await c.all(type, ['name'], signal, base ?? dc.ref)).values()].filter((p) => p.string('name') === trimmed)
    if (found.length === 1) return found[0]!.self
    if (found.length > 1)
      throw new TsimgError('VSPHERE_AMBIGUOUS', `${found.length} objects named '${trimmed}' in datacenter ${dc.path}`, { hint: `give ${option} as a path` })
  }
  throw notFound(type === 'VirtualMachine' ? 'VM' : type, name, option, ` in datacenter ${dc.path}`)
}
