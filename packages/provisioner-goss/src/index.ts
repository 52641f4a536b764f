// `@tsimg/provisioner-goss`: Packer's goss provisioner (`goss`) and the same goss files as checks
// of a build's verify phase (`gossChecks`). Named exports only.
export { goss } from './provisioner.js'
export { gossChecks } from './checks.js'
export type { GossFormatName, GossOptions, GossRunOptions } from './options.js'
