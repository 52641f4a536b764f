import type { Cloud } from '../backend/cloud.js'
import { publicIpOf } from '../backend/public-ips.js'
import type { Instance } from '../backend/types.js'
import { attrs } from './attributes.js'

/** ECS status and Nova's vm/task states for a backend instance state. */
const STATES: Record<Instance['state'], { status: string; vm: string; task: string | null; power: number }> = {
  pending: { status: 'BUILD', vm: 'building', task: 'spawning', power: 0 },
  running: { status: 'ACTIVE', vm: 'active', task: null, power: 1 },
  stopping: { status: 'ACTIVE', vm: 'active', task: 'powering-off', power: 1 },
  stopped: { status: 'SHUTOFF', vm: 'stopped', task: null, power: 4 },
  'shutting-down': { status: 'ACTIVE', vm: 'active', task: 'deleting', power: 1 },
  terminated: { status: 'DELETED', vm: 'deleted', task: null, power: 0 },
}

/** A MAC address that stays the same for a server (derived from its id). */
const macOf = (id: string): string => `fa:16:3e:${id.replace(/-/g, '').slice(0, 6).match(/../g)!.join(':')}`
/** The id of a server's one port: its id with another first group. */
export const portOf = (id: string): string => id.replace(/^[0-9a-f]{8}/, 'b0a7d0c5')

/**
 * ShowServer's `server`: addresses keyed by VPC id, the fixed address (the container's
 * loopback address, where its sshd answers) and, when one is bound, the EIP as "floating".
 */
export function renderServer(cloud: Cloud, i: Instance): Record<string, unknown> {
  const s = STATES[i.state]
  const a = attrs(cloud, i.id)
  const eip = publicIpOf(cloud, i)
  const addresses = i.address
    ? [
        {
          version: '4',
          addr: i.address,
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': macOf(i.id),
          'OS-EXT-IPS:port_id': portOf(i.id),
          primary: true,
        },
        ...(eip
          ? [{ version: '4', addr: eip.address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': macOf(i.id), 'OS-EXT-IPS:port_id': portOf(i.id) }]
          : []),
      ]
    : []
  const flavor = i.instanceType
  const { vcpus, ramMb } = flavorSize(flavor)
  return {
    id: i.id,
    name: a.name ?? i.id,
    status: s.status,
    description: a.description ?? '',
    addresses: { [i.vpcId]: addresses },
    key_name: i.keyName ?? '',
    image: { id: i.imageId },
    flavor: { id: flavor, name: flavor, vcpus: String(vcpus), ram: String(ramMb), disk: '0' },
    'OS-EXT-STS:vm_state': s.vm,
    'OS-EXT-STS:task_state': s.task,
    'OS-EXT-STS:power_state': s.power,
    'OS-EXT-AZ:availability_zone': i.zone,
    'OS-EXT-SRV-ATTR:user_data': null,
    security_groups: i.securityGroupIds.map((id) => ({ id, name: String(attrs(cloud, id).name ?? cloud.securityGroups.get(id)?.name ?? id) })),
    metadata: { ...((a.metadata as Record<string, string> | undefined) ?? {}), charging_mode: '0', vpc_id: i.vpcId },
    tags: [...i.tags].map(([k, v]) => `${k}=${v}`),
    'os-extended-volumes:volumes_attached': i.devices.map((d, n) => ({
      id: d.volumeId,
      delete_on_termination: String(d.deleteOnTermination),
      device: d.deviceName,
      bootIndex: n === 0 ? '0' : null,
    })),
    created: i.launched.toISOString().replace(/\.\d+Z$/, 'Z'),
    updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    tenant_id: '',
    enterprise_project_id: String(a.enterpriseProjectId ?? '0'),
  }
}

export function renderInterfaces(cloud: Cloud, i: Instance): Record<string, unknown>[] {
  if (!i.address) return []
  return [
    { port_state: 'ACTIVE', fixed_ips: [{ subnet_id: i.subnetId, ip_address: i.address }], net_id: i.subnetId, port_id: portOf(i.id), mac_addr: macOf(i.id) },
  ]
}

/** vCPUs and memory a flavor name spells: `<family>.<size>.<GB of memory per vCPU>` (c7.xlarge.4: 4 vCPUs, 16 GB). */
export function flavorSize(name: string): { vcpus: number; ramMb: number } {
  const [, size = 'large', ratio = '2'] = name.split('.')
  const multiple = /^(\d+)xlarge$/.exec(size)
  const vcpus = multiple ? 4 * Number(multiple[1]) : ({ small: 1, medium: 1, large: 2, xlarge: 4 }[size] ?? 2)
  return { vcpus, ramMb: vcpus * (Number(ratio) || 2) * 1024 }
}
