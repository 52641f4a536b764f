import * as ips from '../backend/public-ips.js'
import type { PublicIp } from '../backend/types.js'
import { attrs, forget } from './attributes.js'
import { portOf } from './ecs-render.js'
import { HuaweiError } from './errors.js'
import { answer, type HuaweiContext, type Route } from './routes.js'
import { tagRoutes } from './tags.js'

/** An EIP as VPC v1 shows it: DOWN while unbound, ACTIVE once bound to a server's port. */
function renderIp(ctx: HuaweiContext, ip: PublicIp): Record<string, unknown> {
  const a = attrs(ctx.cloud, ip.id)
  return {
    id: ip.id,
    status: ip.instanceId ? 'ACTIVE' : 'DOWN',
    type: String(a.ipType ?? '5_bgp'),
    public_ip_address: ip.address,
    ip_version: 4,
    bandwidth_size: Number(a.bandwidthSize ?? 1),
    bandwidth_share_type: 'PER',
    bandwidth_name: String(a.bandwidthName ?? ''),
    port_id: ip.instanceId ? portOf(ip.instanceId) : null,
    tenant_id: ctx.projectId,
    create_time: ip.allocated
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ''),
    enterprise_project_id: '0',
  }
}

/** EIPs (VPC v1 /publicips): there is no Node SDK package, clients use the core's signed client. */
export const eipRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/{project_id}/publicips',
    action: 'CreatePublicip',
    service: 'eip',
    handler: async (ctx, { body }) => {
      const type = body.publicip?.type as string | undefined
      const size = body.bandwidth?.size as number | undefined
      if (!type) throw new HuaweiError('vpc', 'VPC.0502', 'publicip.type is required.', 400)
      if (!size || size < 1 || size > 2000) throw new HuaweiError('vpc', 'VPC.0502', 'bandwidth.size must be 1 to 2000.', 400)
      const ip = await ips.allocatePublicIp(ctx.cloud, ctx.region)
      Object.assign(attrs(ctx.cloud, ip.id), { ipType: type, bandwidthSize: size, bandwidthName: body.bandwidth?.name })
      return { publicip: renderIp(ctx, ip) }
    },
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/publicips',
    action: 'ListPublicips',
    service: 'eip',
    handler: (ctx) => ({ publicips: ips.publicIpsIn(ctx.cloud, ctx.region).map((ip) => renderIp(ctx, ip)) }),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/publicips/{publicip_id}',
    action: 'ShowPublicip',
    service: 'eip',
    handler: (ctx, { params }) => ({ publicip: renderIp(ctx, ips.getPublicIp(ctx.cloud, ctx.region, params.publicip_id!)) }),
  },
  {
    // Bind to a server's port (port_id from ShowServer / ListServerInterfaces), or unbind with port_id null or "".
    method: 'PUT',
    path: '/v1/{project_id}/publicips/{publicip_id}',
    action: 'UpdatePublicip',
    service: 'eip',
    handler: (ctx, { params, body }) => {
      const ip = ips.getPublicIp(ctx.cloud, ctx.region, params.publicip_id!)
      const port = body.publicip?.port_id as string | null | undefined
      if (port === undefined) throw new HuaweiError('vpc', 'VPC.0502', 'publicip.port_id is required.', 400)
      if (!port) {
        if (ip.instanceId) ips.disassociatePublicIp(ctx.cloud, ctx.region, ip.id)
      } else {
        const server = [...ctx.cloud.instances.values()].find((i) => i.region === ctx.region && i.state !== 'terminated' && portOf(i.id) === port)
        if (!server) throw new HuaweiError('vpc', 'VPC.0504', `Port ${port} could not be found.`, 404)
        ips.associatePublicIp(ctx.cloud, ctx.region, ip.id, server.id)
      }
      return { publicip: renderIp(ctx, ip) }
    },
  },
  {
    method: 'DELETE',
    path: '/v1/{project_id}/publicips/{publicip_id}',
    action: 'DeletePublicip',
    service: 'eip',
    handler: (ctx, { params }) => {
      ips.releasePublicIp(ctx.cloud, ctx.region, params.publicip_id!)
      forget(ctx.cloud, params.publicip_id!)
      return answer(204)
    },
  },
  ...tagRoutes('publicips', 'publicip_id', (ctx, id) => ips.getPublicIp(ctx.cloud, ctx.region, id)),
]
