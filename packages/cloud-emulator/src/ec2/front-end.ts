import { AWS_PROFILE } from '../backend/profile.js'
import type { FrontEnd } from '../front-end.js'
import { EC2_FRONT_END, startEc2Server } from './server.js'

/** The EC2 Query API (SigV4, XML), as `@aws-sdk/client-ec2`, the AWS CLI and Packer's amazon-ebs call it. */
export const ec2FrontEnd: FrontEnd = {
  name: EC2_FRONT_END,
  profile: AWS_PROFILE,
  defaultPort: 4566,
  async start(ctx) {
    const { server, endpoint } = await startEc2Server(ctx)
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
