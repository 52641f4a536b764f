import * as addresses from './addresses.js'
import type { Handler } from './common.js'
import * as images from './images.js'
import * as instances from './instances.js'
import * as keys from './keys.js'
import * as network from './network.js'
import * as regions from './regions.js'
import * as storage from './storage.js'
import * as tags from './tags.js'

/** Every EC2 action the emulator answers, by its wire name. */
export const ACTIONS: Readonly<Record<string, Handler>> = {
  DescribeRegions: regions.DescribeRegions,
  DescribeAvailabilityZones: regions.DescribeAvailabilityZones,
  DescribeVpcs: network.DescribeVpcs,
  DescribeSubnets: network.DescribeSubnets,
  CreateVpc: network.CreateVpc,
  DeleteVpc: network.DeleteVpc,
  CreateSubnet: network.CreateSubnet,
  ModifySubnetAttribute: network.ModifySubnetAttribute,
  DeleteSubnet: network.DeleteSubnet,
  CreateSecurityGroup: network.CreateSecurityGroup,
  AuthorizeSecurityGroupIngress: network.AuthorizeSecurityGroupIngress,
  DescribeSecurityGroups: network.DescribeSecurityGroups,
  DeleteSecurityGroup: network.DeleteSecurityGroup,
  ImportKeyPair: keys.ImportKeyPair,
  CreateKeyPair: keys.CreateKeyPair,
  DescribeKeyPairs: keys.DescribeKeyPairs,
  DeleteKeyPair: keys.DeleteKeyPair,
  RunInstances: instances.RunInstances,
  DescribeInstances: instances.DescribeInstances,
  DescribeInstanceStatus: instances.DescribeInstanceStatus,
  StopInstances: instances.StopInstances,
  StartInstances: instances.StartInstances,
  TerminateInstances: instances.TerminateInstances,
  RebootInstances: instances.RebootInstances,
  ModifyInstanceAttribute: instances.ModifyInstanceAttribute,
  DescribeInstanceAttribute: instances.DescribeInstanceAttribute,
  DescribeImages: images.DescribeImages,
  CreateImage: images.CreateImage,
  DeregisterImage: images.DeregisterImage,
  CopyImage: images.CopyImage,
  ModifyImageAttribute: images.ModifyImageAttribute,
  DescribeImageAttribute: images.DescribeImageAttribute,
  DescribeSnapshots: storage.DescribeSnapshots,
  DeleteSnapshot: storage.DeleteSnapshot,
  ModifySnapshotAttribute: storage.ModifySnapshotAttribute,
  DescribeSnapshotAttribute: storage.DescribeSnapshotAttribute,
  DescribeVolumes: storage.DescribeVolumes,
  DeleteVolume: storage.DeleteVolume,
  AllocateAddress: addresses.AllocateAddress,
  AssociateAddress: addresses.AssociateAddress,
  DisassociateAddress: addresses.DisassociateAddress,
  ReleaseAddress: addresses.ReleaseAddress,
  DescribeAddresses: addresses.DescribeAddresses,
  CreateTags: tags.CreateTags,
  DeleteTags: tags.DeleteTags,
  DescribeTags: tags.DescribeTags,
}
