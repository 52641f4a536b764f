// `@tsimg/cloud-kit`: what a cloud builder is written with, on top of `@tsimg/core/plugin`.
// API calls with one retry budget and an error model per cloud, waits, creates that are
// journaled before they are sent, deletes that wait until the resource is gone, the SSH address
// and key pair steps, the artifact images a build registers, and `tsimg cleanup`'s resource
// plugin for a cloud. `@tsimg/cloud-kit/source` adds `cloudSource`, the source factory.
// Named exports only.

export { CloudApiError, NETWORK_CODES, apiCodeOf, errorClassOf, isNotFound, type ErrorClass, type ErrorFacts, type ErrorModel } from './errors.js'
export { CloudCaller, CallCancelledError, requestTimeoutMs, type CallOptions, type RetryBudget } from './call.js'
export { waitFor, WaitTimeoutError, type Poll, type PollLimit, type WaitOptions } from './wait.js'
export { TrackedResource, type CreateContext, type CreateSpec } from './create.js'
export { deleteUntilGone, ignoreNotFound, type DeleteSpec } from './delete.js'
export { chooseSshAddress, cloudConnectSsh, type AddressChoice, type SshInterface } from './address.js'
export { cloudKeyPair, type KeyPairCloud, type KeyPairOptions, type KeyPairState } from './key-pair.js'
export { ArtifactImages, type ArtifactImage, type ImageCloud } from './images.js'
export {
  cloudResources,
  scopeData,
  MissingCredentialsError,
  type CloudConnection,
  type CloudKind,
  type CloudResourcesSpec,
  type CloudScope,
  type CredentialsReport,
  type TaggedResource,
} from './resources.js'
export { temporaryName, temporaryTags } from './tags.js'
export { withOptionalPart, type OptionalPart } from './optional.js'
export { cloudEnv, provisionSteps, resourceData, type CloudEnv, type CloudState, type CloudSteps } from './env.js'
