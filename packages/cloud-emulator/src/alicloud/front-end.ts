import type { FrontEnd } from '../front-end.js'
import { backendActions } from './actions/index.js'
import { watchInstances } from './actions/instances.js'
import { ALICLOUD_EMULATOR_PROFILE } from './profile.js'
import { startAlicloudServer } from './server.js'
import { AliState } from './state.js'

export const ALICLOUD_FRONT_END = 'alicloud'

/**
 * Alibaba Cloud's RPC APIs (ECS 2014-05-26, VPC 2016-04-28), as `@alicloud/ecs20140526`,
 * `@alicloud/vpc20160428` and Packer's alicloud-ecs (through HTTP_PROXY) call them. Its
 * endpoint is http://host:port; the Node SDK takes `host:port` with `protocol: 'http'`.
 */
export const alicloudFrontEnd: FrontEnd = {
  name: ALICLOUD_FRONT_END,
  profile: ALICLOUD_EMULATOR_PROFILE,
  defaultPort: 4568,
  async start(ctx) {
    const state = new AliState(ctx.cloud)
    for (const m of ctx.cloud.images.values()) {
      const entry = m.catalog
      if (!m.seed || !entry || ctx.cloud.region(m.region).cloud !== ALICLOUD_FRONT_END) continue
      if (entry.family) state.families.set(m.id, entry.family)
      state.registerSystemImage(m.id, m.region, entry.name)
    }
    const unwatch = watchInstances(state)
    const { server, endpoint } = await startAlicloudServer({
      credentials: ctx.credentials,
      actions: backendActions(state),
      host: ctx.host,
      port: ctx.port,
      control: ctx.control,
      act: (action, fn, request) => ctx.cloud.act(ALICLOUD_FRONT_END, action, fn, request),
      onCall: ctx.onCall,
    })
    return {
      endpoint: `http://${endpoint}`,
      close: () =>
        new Promise<void>((resolve) => {
          unwatch()
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    }
  },
}
