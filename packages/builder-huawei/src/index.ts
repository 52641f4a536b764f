export { huaweiClients, iamClient, defaultEndpoints, USER_AGENT, type HuaweiClients, type HuaweiConnection, type HuaweiEndpoints } from './sdk.js'
export { HuaweiApiError, call, isTransient, isNotFound } from './errors.js'
export { lookupProjectId } from './project.js'
