import type { BlockDeviceMapping } from '@aws-sdk/client-ec2'
import type { BlockDevice } from './options.js'

/** A launchBlockDeviceMappings / amiBlockDeviceMappings entry as EC2's BlockDeviceMapping. */
export function toMapping(d: BlockDevice): BlockDeviceMapping {
  if (d.noDevice) return { DeviceName: d.deviceName, NoDevice: '' }
  if (d.virtualName) return { DeviceName: d.deviceName, VirtualName: d.virtualName }
  return {
    DeviceName: d.deviceName,
    Ebs: {
      ...(d.volumeSize ? { VolumeSize: d.volumeSize } : {}),
      ...(d.volumeType ? { VolumeType: d.volumeType } : {}),
      DeleteOnTermination: d.deleteOnTermination ?? true,
      ...(d.encrypted !== undefined ? { Encrypted: d.encrypted } : {}),
      ...(d.iops ? { Iops: d.iops } : {}),
      ...(d.throughput ? { Throughput: d.throughput } : {}),
      ...(d.snapshotId ? { SnapshotId: d.snapshotId } : {}),
      ...(d.kmsKeyId ? { KmsKeyId: d.kmsKeyId } : {}),
    },
  }
}
