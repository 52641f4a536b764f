import { lazyResourcePlugin } from '@tsimg/core/plugin'
import { PLUGIN } from './state.js'

// The main module loads no AWS SDK: templates import `amazonEbs` for validate, where the SDK
// would cost most of the start-up. The SDK loads with the steps or the cleanup plugin.
export { amazonEbs } from './source.js'
export { amazonEbsSchema, type AmazonEbsInput, type AmazonEbsOptions } from './options.js'
export type { AwsState } from './state.js'

/** How `tsimg cleanup` deletes what a killed amazon-ebs build left (see resources.ts). */
export const tsimgResources = lazyResourcePlugin(PLUGIN, async () => (await import('./resources.js')).tsimgResources)
