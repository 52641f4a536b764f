export { amazonEbs, amazonEbsSchema, amazonEbsSteps, type AmazonEbsInput, type AmazonEbsOptions } from './source.js'
export type { AwsState, CreatedImage } from './state.js'
export { Ec2Api, isTransient, isNotFound, errorCode, type ConnectionOptions } from './api.js'
export { tsimgResources } from './resources.js'
