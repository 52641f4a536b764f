// In progress: the API layer, options and credentials of the alicloud-ecs builder. The builder
// itself (`alicloudEcs`) is not exported until it builds an image end to end against the emulator.
export { AlicloudApi, parseEndpoint, type ConnectionOptions } from './api.js'
export { alicloudErrors } from './errors.js'
export { resolveCredentials, profileRegion, type AlicloudCredentials, type CredentialInput } from './credentials.js'
export { alicloudEcsSchema, alicloudOptionsShape, type AlicloudEcsInput, type AlicloudEcsOptions } from './options.js'
