import { lazyResourcePlugin } from '@tsimg/core/plugin'
import { PLUGIN } from './state.js'

// The main module loads no Huawei SDK: templates import `huaweicloudEcs` for validate, where
// the SDKs would cost most of the start-up. They load with the steps, the cleanup plugin, or
// `@tsimg/builder-huawei/api` (the SDK clients and API layer for scripts and tests).
export { PLUGIN, type HuaweiState } from './state.js'
export { huaweicloudEcs } from './source.js'
export { huaweicloudEcsSchema, type HuaweicloudEcsInput, type HuaweiEcsOptions } from './options.js'

/** How `tsimg cleanup` deletes what a killed huaweicloud-ecs build left (see resources.ts). */
export const tsimgResources = lazyResourcePlugin(PLUGIN, async () => (await import('./resources.js')).tsimgResources)
