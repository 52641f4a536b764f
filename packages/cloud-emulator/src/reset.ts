import { docker } from './backend/docker.js'
import { deregisterImage } from './backend/images.js'
import { terminateInstances } from './backend/instances.js'
import { closePublicIps } from './backend/public-ips.js'
import type { Cloud } from './backend/cloud.js'

/** Deletes everything clients created, in the order a careful user would. */
export async function reset(cloud: Cloud): Promise<void> {
  cloud.faults.clear()
  for (const region of cloud.regions) {
    const live = [...cloud.instances.values()].filter((i) => i.region === region.name && i.state !== 'terminated')
    if (live.length)
      terminateInstances(
        cloud,
        region.name,
        live.map((i) => i.id),
      )
  }
  await cloud.settle()
  for (const i of cloud.instances.values()) {
    i.state = 'terminated'
    i.transition = undefined
  }
  closePublicIps(cloud, true)
  cloud.jobs.clear()
  cloud.addresses.clear()
  for (const m of [...cloud.images.values()]) if (!m.seed) await deregisterImage(cloud, m.region, m.id, true)
  for (const s of [...cloud.snapshots.values()]) if (!s.seed) cloud.snapshots.delete(s.id)
  cloud.volumes.clear()
  cloud.keyPairs.clear()
  for (const g of [...cloud.securityGroups.values()]) if (!g.isDefault) cloud.securityGroups.delete(g.id)
  for (const v of [...cloud.vpcs.values()]) if (!v.isDefault) cloud.vpcs.delete(v.id)
  for (const s of [...cloud.subnets.values()]) if (!s.defaultForAz) cloud.subnets.delete(s.id)
  // Containers whose run raced the reset.
  const ids = await docker(['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`])
  for (const id of ids.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id]).catch(() => undefined)
}
