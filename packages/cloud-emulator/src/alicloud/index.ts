/** Alibaba Cloud's front end: the ECS and VPC RPC APIs over the shared backend. */
export { startAlicloudServer, PRODUCTS } from './server.js'
export type { ActionContext, ActionTable, AlicloudServerOptions, FaultCheck, Handler, Product } from './server.js'
export type { AliCredentials } from './signature.js'
export { percentEncode } from './signature.js'
export { aliError, toAlibaba } from './errors.js'
export { Params } from './params.js'
export { ALICLOUD_REGIONS, ALICLOUD_INSTANCE_TYPES } from './profile.js'
export { protocolActions } from './actions/index.js'
