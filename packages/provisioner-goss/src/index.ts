export { goss } from './provisioner.js'
export { gossChecks, loadSuite, toCheckResult } from './checks.js'
export { localGossfile } from './files.js'
export { GOSS_FORMATS, gossSchema, gossChecksSchema, type GossFormatName, type GossOptions, type GossRunOptions } from './options.js'
