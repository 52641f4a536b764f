// `@tsimg/builder-alicloud/api`: what loads the Alibaba SDKs, apart from the main module.
export { alicloudEcsSteps } from './steps.js'
export { accountOf } from './env.js'
export { AlicloudApi, parseEndpoint, type ConnectionOptions } from './api.js'
export { alicloudErrors } from './errors.js'
export { tsimgResources } from './resources.js'
