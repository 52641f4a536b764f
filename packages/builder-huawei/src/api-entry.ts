// `@tsimg/builder-huawei/api`: what loads the Huawei SDKs, apart from the main module.
export { huaweiClients, iamClient, defaultEndpoints, parseAnswer, USER_AGENT, type HuaweiClients, type HuaweiConnection, type HuaweiEndpoints } from './sdk.js'
export { HuaweiApiError, call, isTransient, isNotFound } from './errors.js'
export { lookupProjectId } from './project.js'
export { HuaweiApi, huaweiErrors, type HuaweiConnectionOptions } from './api.js'
export { huaweicloudEcsSteps } from './steps.js'
export { tsimgResources } from './resources.js'
