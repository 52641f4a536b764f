import type { PostProcessorPlugin } from '../plugin/types.js'
import { appliesTo } from '../provision/common.js'

/**
 * A post-processor that runs only for some builds (Packer's `only`/`except` on a
 * post-processor): for any other build it hands the artifact on untouched. The names select
 * builds by the provisioners' rule (`docker.web`, or the source name alone).
 */
export function scopedPostProcessor<P extends PostProcessorPlugin<any>>(
  pp: P,
  scope: { readonly only?: readonly string[]; readonly except?: readonly string[] },
): P {
  const rule = { ...(scope.only?.length ? { only: [...scope.only] } : {}), ...(scope.except?.length ? { except: [...scope.except] } : {}) }
  return {
    ...pp,
    postProcess(artifact, ctx) {
      if (!appliesTo(rule, ctx.build)) return Promise.resolve(artifact)
      return pp.postProcess(artifact, ctx)
    },
  }
}
