export { amazonEbs, amazonEbsSchema, amazonEbsSteps, type AmazonEbsInput, type AmazonEbsOptions } from './source.js'
export type { AwsState } from './state.js'
export { Ec2Api, ec2Errors, type ConnectionOptions } from './ec2.js'
export { tsimgResources } from './resources.js'
