import { z } from 'zod'
import { checkShellLocal, runShellLocal, shellLocalShape, type ShellLocalOptions } from '../local-shell/run.js'
import type { CommonProvisionerOptions, ProvisionContext, ProvisionerPlugin, ValidateContext } from '../plugin/types.js'
import { checkCommonOptions, checkSchema, commonProvisionerShape } from './common.js'

export type ShellLocalProvisionerOptions = ShellLocalOptions & CommonProvisionerOptions

const schema = z.strictObject({ ...commonProvisionerShape, ...shellLocalShape })

/**
 * Packer's `shell-local` provisioner: runs commands on this machine while the build runs, in
 * the order of the provisioners, e.g. to wait for the machine from outside, or to call an API
 * with its address. Besides PACKER_BUILD_NAME and PACKER_BUILDER_TYPE, the environment holds
 * the machine's address as the SSH connection sees it: TSIMG_HOST, TSIMG_PORT, TSIMG_USER.
 */
export function shellLocalProvisioner(options: ShellLocalProvisionerOptions): ProvisionerPlugin<ShellLocalProvisionerOptions> {
  return {
    kind: 'provisioner',
    type: 'shell-local',
    options,
    schema,
    async validate(ctx: ValidateContext) {
      checkSchema(schema, options, ctx)
      checkCommonOptions(options, ctx)
      await checkShellLocal(options, ctx)
    },
    describe: () => 'shell-local',
    async provision(ctx: ProvisionContext) {
      const g = ctx.generated
      await runShellLocal(
        options,
        {
          PACKER_BUILD_NAME: ctx.build.sourceName || ctx.build.sourceType,
          PACKER_BUILDER_TYPE: ctx.build.sourceType,
          TSIMG_BUILD_NAME: ctx.build.name,
          TSIMG_BUILD_ID: ctx.build.id,
          ...(g.Host ? { TSIMG_HOST: String(g.Host) } : {}),
          ...(g.Port ? { TSIMG_PORT: String(g.Port) } : {}),
          ...(g.User ? { TSIMG_USER: String(g.User) } : {}),
        },
        ctx,
      )
    },
  }
}
