import { checkShellLocal, runShellLocal, shellLocalSchema, type ShellLocalOptions } from '../local-shell/run.js'
import type { Artifact, PostProcessContext, PostProcessorPlugin, ValidateContext } from '../plugin/types.js'

export type { ShellLocalOptions }

/**
 * Packer's `shell-local` post-processor: runs commands on this machine after the image is made,
 * with PACKER_BUILD_NAME, PACKER_BUILDER_TYPE, TSIMG_BUILD_NAME and TSIMG_ARTIFACT_ID set,
 * output streamed line by line under the build's prefix.
 */
export function shellLocal(options: ShellLocalOptions): PostProcessorPlugin<ShellLocalOptions> {
  return {
    kind: 'post-processor',
    type: 'shell-local',
    options,
    schema: shellLocalSchema,
    validate: (ctx: ValidateContext) => checkShellLocal(options, ctx),
    async postProcess(artifact: Artifact, ctx: PostProcessContext): Promise<Artifact> {
      await runShellLocal(
        options,
        {
          PACKER_BUILD_NAME: ctx.build.sourceName || ctx.build.sourceType,
          PACKER_BUILDER_TYPE: ctx.build.sourceType,
          PACKER_RUN_UUID: ctx.runId,
          TSIMG_BUILD_NAME: ctx.build.name,
          TSIMG_BUILD_ID: ctx.build.id,
          TSIMG_ARTIFACT_ID: artifact.id,
        },
        ctx,
      )
      return artifact
    },
  }
}
