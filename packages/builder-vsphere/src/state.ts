import type { KeyPairState } from '@tsimg/cloud-kit'
import { BUILD_ID_LABEL, CREATED_AT_LABEL, KEPT_LABEL, pluginId } from '@tsimg/core/plugin'

/** This package's identity in journals and scopes (what `tsimg cleanup` loads). */
export const PLUGIN = pluginId('@tsimg/builder-vsphere')

/**
 * The extraConfig keys (VM advanced settings, `.vmx` entries) that mark what a build made: set
 * in the CloneVM_Task spec itself, so no VM of a build exists without them. `tsimg cleanup`
 * and `--sweep` find leftovers by the build id; a kept artifact carries KEPT and is never swept.
 */
export const BUILD_ID_KEY = `guestinfo.${BUILD_ID_LABEL}`
export const CREATED_AT_KEY = `guestinfo.${CREATED_AT_LABEL}`
export const KEPT_KEY = `guestinfo.${KEPT_LABEL}`

/** What the vSphere steps learned and created, in the order they ran. */
export interface VsphereState extends KeyPairState {
  /** The VM's managed object id (`vm-123`) and inventory path once it exists. */
  vm?: { moref: string; name: string; path: string; destroyed?: boolean }
  /** The address the VM reported in guest.net[].ipConfig. */
  ip?: string
  /** The host SSH connects to. */
  sshHost?: string
}
