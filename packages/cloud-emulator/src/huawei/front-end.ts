import { HUAWEICLOUD_PROFILE } from '../backend/profile.js'
import type { FrontEnd } from '../front-end.js'
import { ecsRoutes } from './ecs.js'
import { eipRoutes } from './eip.js'
import { iamRoutes } from './iam.js'
import { imsRoutes } from './ims.js'
import { jobRoutes } from './jobs.js'
import { novaRoutes } from './nova.js'
import { HUAWEI } from './projects.js'
import type { Route } from './routes.js'
import { startHuaweiServer } from './server.js'
import { vpcRoutes } from './vpc.js'

/** Every route of the front end, in the order they are matched. */
export const HUAWEI_ROUTES: readonly Route[] = [...iamRoutes, ...novaRoutes, ...ecsRoutes, ...jobRoutes, ...vpcRoutes, ...eipRoutes, ...imsRoutes]

/** Huawei Cloud's REST APIs (SDK-HMAC-SHA256, JSON), as `@huaweicloud/huaweicloud-sdk-*` call them. */
export const huaweiFrontEnd: FrontEnd = {
  name: HUAWEI,
  profile: HUAWEICLOUD_PROFILE,
  defaultPort: 4568,
  async start(ctx) {
    const { server, endpoint } = await startHuaweiServer({ ...ctx, routes: HUAWEI_ROUTES })
    return {
      endpoint,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    }
  },
}
