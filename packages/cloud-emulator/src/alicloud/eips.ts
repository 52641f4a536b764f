import { createServer, type Server, type Socket, connect } from 'node:net'

/**
 * An Elastic IP: an address of its own on the loopback network, forwarding TCP port 22 to
 * the instance it is associated with, as Alibaba's NAT forwards a public address to the
 * instance's private one. Clients SSH to the EIP, never to the container address.
 */
export interface Eip {
  readonly allocationId: string
  readonly region: string
  readonly ipAddress: string
  readonly bandwidth: string
  readonly internetChargeType: string
  readonly allocated: Date
  status: 'Available' | 'Associating' | 'InUse' | 'Unassociating'
  instanceId?: string
  /** Where connections to the EIP go while associated. */
  target?: string
  readonly tags: Map<string, string>
  server?: Server
  readonly sockets: Set<Socket>
}

/** Listens on the EIP's port 22 and pipes each connection to the current target's port 22. */
export async function listen(eip: Eip): Promise<void> {
  const server = createServer((client) => {
    eip.sockets.add(client)
    client.on('close', () => eip.sockets.delete(client))
    if (!eip.target) {
      client.destroy()
      return
    }
    const upstream = connect(22, eip.target)
    eip.sockets.add(upstream)
    upstream.on('close', () => eip.sockets.delete(upstream))
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(22, eip.ipAddress, () => resolve())
  })
  eip.server = server
}

/** Stops forwarding and closes every open connection (what a released EIP does). */
export async function close(eip: Eip): Promise<void> {
  for (const s of eip.sockets) s.destroy()
  const server = eip.server
  eip.server = undefined
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
}
