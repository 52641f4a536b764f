// The main module loads no SOAP client: templates import `vsphereClone` for validate; the client
// loads with the steps or the cleanup plugin.
export { vsphereClone, vsphereCloneSchema, type VsphereCloneInput, type VsphereCloneOptions } from './source.js'
export { vsphereIso, vsphereIsoSchema, type VsphereIsoInput, type VsphereIsoOptions } from './iso/source.js'
export { PLUGIN, BUILD_ID_KEY, CREATED_AT_KEY, KEPT_KEY, type VsphereState } from './state.js'

import { lazyResourcePlugin } from '@tsimg/core/plugin'
import { PLUGIN as ID } from './state.js'

/** How `tsimg cleanup` deletes what a killed vSphere build left (see resources.ts). */
export const tsimgResources = lazyResourcePlugin(ID, async () => (await import('./resources.js')).tsimgResources)
