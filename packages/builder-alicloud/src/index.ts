import { lazyResourcePlugin } from '@tsimg/core/plugin'
import { PLUGIN } from './state.js'

// The main module loads no Alibaba SDK: templates import `alicloudEcs` for validate, where the
// SDKs would cost most of the start-up. They load with the steps, the cleanup plugin, or
// `@tsimg/builder-alicloud/api` (the API client for scripts and tests).
export { alicloudEcs } from './source.js'
export { PLUGIN, type AliState } from './state.js'
export { resolveCredentials, profileRegion, type AlicloudCredentials, type CredentialInput } from './credentials.js'
export { alicloudEcsSchema, alicloudOptionsShape, type AlicloudEcsInput, type AlicloudEcsOptions } from './options.js'

/** How `tsimg cleanup` deletes what a killed alicloud-ecs build left (see resources.ts). */
export const tsimgResources = lazyResourcePlugin(PLUGIN, async () => (await import('./resources.js')).tsimgResources)
