export { manifest, manifestSchema, type ManifestBuild, type ManifestFile, type ManifestOptions } from './manifest.js'
export { shellLocal, shellLocalSchema, type ShellLocalOptions } from './shell-local.js'
export { scopedPostProcessor } from './scoped.js'
