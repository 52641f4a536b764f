import { BackendError, CloudError, defaultStatus } from '../backend/errors.js'
import type { ResourceType } from '../backend/errors.js'

/**
 * EC2's wire codes for the backend's neutral errors. Lookup order: kind:resource:reason,
 * kind:resource, kind::reason, kind.
 */
const CODES: Record<string, string> = {
  'not-found:instance': 'InvalidInstanceID.NotFound',
  'not-found:image': 'InvalidAMIID.NotFound',
  'not-found:snapshot': 'InvalidSnapshot.NotFound',
  'not-found:volume': 'InvalidVolume.NotFound',
  'not-found:security-group': 'InvalidGroup.NotFound',
  'not-found:key-pair': 'InvalidKeyPair.NotFound',
  'not-found:vpc': 'InvalidVpcID.NotFound',
  'not-found:subnet': 'InvalidSubnetID.NotFound',
  'not-found:public-ip': 'InvalidAllocationID.NotFound',
  'not-found:region': 'AuthFailure',
  'not-found:zone': 'InvalidParameterValue',
  'not-found': 'InvalidID',
  'already-exists:key-pair': 'InvalidKeyPair.Duplicate',
  'already-exists:security-group': 'InvalidGroup.Duplicate',
  'already-exists:security-group-rule': 'InvalidPermission.Duplicate',
  'already-exists:image': 'InvalidAMIName.Duplicate',
  'already-exists': 'InvalidParameterValue',
  'dependency-violation:snapshot': 'InvalidSnapshot.InUse',
  'dependency-violation:volume': 'VolumeInUse',
  'dependency-violation:public-ip': 'InvalidIPAddress.InUse',
  'dependency-violation:security-group:default-group': 'CannotDelete',
  'dependency-violation': 'DependencyViolation',
  'invalid-state:instance:termination-protected': 'OperationNotPermitted',
  'invalid-state:instance': 'IncorrectInstanceState',
  'invalid-state:image:unavailable': 'InvalidAMIID.Unavailable',
  'invalid-state': 'IncorrectState',
  'invalid-parameter:image:malformed': 'InvalidAMIName.Malformed',
  'invalid-parameter:vpc:range': 'InvalidVpc.Range',
  'invalid-parameter:subnet:range': 'InvalidSubnet.Range',
  'invalid-parameter:subnet:conflict': 'InvalidSubnet.Conflict',
  'invalid-parameter:security-group:other-network': 'InvalidParameter',
  'invalid-parameter::key-format': 'InvalidKey.Format',
  'invalid-parameter::no-default-network': 'VPCIdNotSpecified',
  'invalid-parameter::combination': 'InvalidParameterCombination',
  'invalid-parameter::block-device': 'InvalidBlockDeviceMapping',
  'invalid-parameter::attribute-item': 'InvalidAMIAttributeItemValue',
  'invalid-parameter': 'InvalidParameterValue',
  'missing-parameter': 'MissingParameter',
  'idempotency-mismatch': 'IdempotentParameterMismatch',
  'unauthorized:image:not-owner': 'AuthFailure',
  unauthorized: 'UnauthorizedOperation',
  throttled: 'RequestLimitExceeded',
  'quota:instance': 'InstanceLimitExceeded',
  'quota:public-ip': 'AddressLimitExceeded',
  quota: 'ResourceLimitExceeded',
  capacity: 'InsufficientInstanceCapacity',
  unavailable: 'Unavailable',
  internal: 'InternalError',
}

/** Statuses that differ from EC2's usual one for the code. */
const STATUS: Record<string, number> = { 'not-found:region': 401, 'unauthorized:image:not-owner': 400 }

/** EC2's NotFound code for an id of unknown type (CreateTags on any id), from its prefix, as EC2 does. */
function notFoundCode(id: string): string {
  const byPrefix: Record<string, ResourceType> = {
    i: 'instance',
    ami: 'image',
    snap: 'snapshot',
    vol: 'volume',
    sg: 'security-group',
    vpc: 'vpc',
    subnet: 'subnet',
    key: 'key-pair',
    eipalloc: 'public-ip',
  }
  const resource = byPrefix[id.split('-')[0]!]
  return (resource && CODES[`not-found:${resource}`]) ?? 'InvalidID'
}

/** Any error a handler threw, as EC2 answers it. Unknown errors become InternalError 500. */
export function toEc2Error(error: unknown): CloudError {
  if (error instanceof CloudError) return error
  if (!(error instanceof BackendError)) return new CloudError('InternalError', 'An internal error has occurred', 500)
  const keys = [
    `${error.kind}:${error.resource ?? ''}:${error.reason ?? ''}`,
    `${error.kind}:${error.resource ?? ''}`,
    `${error.kind}::${error.reason ?? ''}`,
    error.kind,
  ]
  const key = keys.find((k) => CODES[k] !== undefined) ?? 'internal'
  const code = error.kind === 'not-found' && error.resource === 'id' && error.id ? notFoundCode(error.id) : CODES[key]!
  return new CloudError(code, error.message, error.status ?? STATUS[key] ?? defaultStatus(code))
}
