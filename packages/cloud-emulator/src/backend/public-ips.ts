import { createServer, connect, type Server } from 'node:net'
import { addressesInUse } from './docker.js'
import { BackendError, badState, inUse, notFound } from './errors.js'
import type { Cloud } from './cloud.js'
import type { Instance, PublicIp } from './types.js'

/**
 * Public (elastic) IPs as a resource: allocate, associate with an instance, disassociate,
 * release. Each IP is a loopback address of its own on which the emulator listens on port 22
 * and forwards to the associated instance's sshd, so the address the API reports for the
 * instance answers SSH, as a real public IP does. Binding port 22 needs root or
 * CAP_NET_BIND_SERVICE (docker's own port publishing does not have this limit).
 */

const servers = new WeakMap<PublicIp, Server>()

export function publicIpsIn(cloud: Cloud, region: string): PublicIp[] {
  return [...cloud.publicIps.values()].filter((p) => p.region === region)
}

export function getPublicIp(cloud: Cloud, region: string, idOrAddress: string): PublicIp {
  const ip = publicIpsIn(cloud, region).find((p) => p.id === idOrAddress || p.address === idOrAddress)
  if (!ip) throw notFound('public-ip', idOrAddress, `The public IP '${idOrAddress}' does not exist`)
  return ip
}

/** The public IP associated with an instance, if any. */
export function publicIpOf(cloud: Cloud, instance: Instance): PublicIp | undefined {
  return [...cloud.publicIps.values()].find((p) => p.instanceId === instance.id)
}

/**
 * The public address an instance shows now: its associated IP (kept while stopped, as an
 * elastic IP is), else, when launched with a public address as EC2's default subnets do, its
 * own loopback address, which it loses while stopped.
 */
export function publicAddress(cloud: Cloud, instance: Instance): string | undefined {
  if (!instance.address || instance.state === 'terminated') return undefined
  const ip = publicIpOf(cloud, instance)
  if (ip) return ip.address
  if (['stopped', 'stopping', 'shutting-down'].includes(instance.state)) return undefined
  return instance.hasPublicIp ? instance.address : undefined
}

function listen(cloud: Cloud, ip: PublicIp): Promise<Server> {
  const server = createServer((socket) => {
    const target = ip.instanceId ? cloud.instances.get(ip.instanceId) : undefined
    if (!target?.address || target.state === 'terminated') {
      socket.destroy()
      return
    }
    const upstream = connect(22, target.address)
    socket.pipe(upstream).pipe(socket)
    const close = (): void => {
      socket.destroy()
      upstream.destroy()
    }
    socket.on('error', close)
    upstream.on('error', close)
  })
  server.unref()
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(22, ip.address, () => resolve(server))
  })
}

/** Allocates an IP: a free loopback address, bound at once so no other process takes it. */
export async function allocatePublicIp(cloud: Cloud, region: string, tags?: ReadonlyMap<string, string>): Promise<PublicIp> {
  cloud.region(region)
  const used = await addressesInUse()
  const start = 2 + Math.floor(Math.random() * 253)
  let lastError: unknown
  for (let k = 0, tries = 0; k < 253 && tries < 8; k++) {
    const address = `127.0.0.${2 + ((start - 2 + k) % 253)}`
    if (used.has(address) || cloud.addresses.has(address)) continue
    tries++
    const ip: PublicIp = { id: cloud.newId('public-ip', region), region, tags: new Map(tags ?? []), address, allocated: new Date() }
    cloud.addresses.add(address)
    try {
      servers.set(ip, await listen(cloud, ip))
      cloud.publicIps.set(ip.id, ip)
      return ip
    } catch (error) {
      cloud.addresses.delete(address)
      lastError = error
      if ((error as NodeJS.ErrnoException).code === 'EACCES') break
    }
  }
  throw new BackendError('capacity', `No public IP could be allocated: ${(lastError as Error | undefined)?.message ?? 'no free loopback address'}`, {
    resource: 'public-ip',
  })
}

export function associatePublicIp(cloud: Cloud, region: string, idOrAddress: string, instanceId: string): PublicIp {
  const ip = getPublicIp(cloud, region, idOrAddress)
  const instance = cloud.instances.get(instanceId)
  if (!instance || instance.region !== region || instance.state === 'terminated') throw notFound('instance', instanceId)
  if (ip.instanceId === instance.id) return ip
  if (ip.instanceId) throw inUse('public-ip', ip.id, `The public IP ${ip.address} is already associated with ${ip.instanceId}`, 'associated')
  const other = publicIpOf(cloud, instance)
  if (other) throw badState('instance', instance.id, `The instance ${instance.id} already has the public IP ${other.address}`, 'has-public-ip')
  ip.instanceId = instance.id
  return ip
}

export function disassociatePublicIp(cloud: Cloud, region: string, idOrAddress: string): PublicIp {
  const ip = getPublicIp(cloud, region, idOrAddress)
  if (!ip.instanceId) throw badState('public-ip', ip.id, `The public IP ${ip.address} is not associated`, 'not-associated')
  ip.instanceId = undefined
  return ip
}

/** Releases an IP; an associated one must be disassociated first, as every cloud requires. */
export function releasePublicIp(cloud: Cloud, region: string, idOrAddress: string): void {
  const ip = getPublicIp(cloud, region, idOrAddress)
  if (ip.instanceId) throw inUse('public-ip', ip.id, `The public IP ${ip.address} is associated with ${ip.instanceId}`, 'associated')
  cloud.publicIps.delete(ip.id)
  servers.get(ip)?.close()
  cloud.addresses.delete(ip.address)
}

/** A terminated instance gives its IP back (the IP stays allocated, as on every cloud). */
export function releaseOnTerminate(cloud: Cloud, instance: Instance): void {
  const ip = publicIpOf(cloud, instance)
  if (ip) ip.instanceId = undefined
}

/** Stops every forwarder (emulator stop or reset). */
export function closePublicIps(cloud: Cloud, forget = false): void {
  for (const ip of cloud.publicIps.values()) {
    servers.get(ip)?.close()
    if (forget) cloud.addresses.delete(ip.address)
  }
  if (forget) cloud.publicIps.clear()
}
