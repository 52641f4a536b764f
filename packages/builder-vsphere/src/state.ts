import type { BaseState } from '@tsimg/core'
import { pluginId } from '@tsimg/core'

/** This package's identity in journals and scopes (what `tsimg cleanup` loads). */
export const PLUGIN = pluginId('@tsimg/builder-vsphere')

/** The custom attribute (custom field) that carries the build id on every VM a build creates. */
export const BUILD_ID_ATTRIBUTE = 'tsimg.build-id'
/** The extraConfig key with the same value (a second place, readable where custom fields are not). */
export const BUILD_ID_EXTRA_CONFIG = 'guestinfo.tsimg.build-id'

/** What the vSphere steps learned and created, in the order they ran. */
export interface VsphereState extends BaseState {
  /** The VM's managed object id (`vm-123`) and inventory path once it exists. */
  vm?: { moref: string; name: string; path: string; destroyed?: boolean }
  /** The address the VM reported in guest.net[].ipConfig. */
  ip?: string
  /** The host SSH connects to. */
  sshHost?: string
}
