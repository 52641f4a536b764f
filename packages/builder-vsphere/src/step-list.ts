/**
 * Both vSphere builders' step lists follow one skeleton, Packer's order for vsphere-clone and
 * vsphere-iso: connect, the builder's steps that make the VM, configuration parameters, power on,
 * the guest (wait for the IP, SSH, provisioners, clear the temporary key), shut down, snapshot,
 * keep (or template), export. The builder's own steps go into their places in it.
 */
import type { SshOptions, StepList, StepsContext } from '@tsimg/core/plugin'
import type { VsphereEnv } from './env.js'
import { exportStep } from './export/step.js'
import type { CommonOptions } from './options.js'
import type { VsphereState } from './state.js'
import { configParamsStep, connectStep, guestSteps, keepStep, powerOnStep, shutdownStep, snapshotStep } from './steps-common.js'

export interface BuilderSteps {
  /** The artifact's builder type: `vsphere-clone`, `vsphere-iso`. */
  readonly type: string
  /** After connecting: the steps that make the VM and set up its hardware (clone, create). */
  readonly make: StepList<VsphereState>
  /** After the configuration parameters, before power on (customize, floppy, HTTP server). */
  readonly beforePowerOn?: StepList<VsphereState>
  /** After power on, before the guest's steps (the boot command). */
  readonly afterPowerOn?: StepList<VsphereState>
  /** Whether the guest's steps run (vsphere-iso's communicator "none" leaves them out). */
  readonly guest?: boolean
  /** After shut down, before the snapshot (removing the media). */
  readonly afterShutdown?: StepList<VsphereState>
}

/** A vSphere builder's steps: the shared ones in Packer's order, the builder's own in their places. */
export function vsphereSteps(env: VsphereEnv<CommonOptions & SshOptions>, ctx: StepsContext, own: BuilderSteps): StepList<VsphereState> {
  return [
    connectStep(env),
    ...own.make,
    configParamsStep(env),
    ...(own.beforePowerOn ?? []),
    powerOnStep(env),
    ...(own.afterPowerOn ?? []),
    ...(own.guest === false ? [] : guestSteps(env, ctx)),
    shutdownStep(env),
    ...(own.afterShutdown ?? []),
    snapshotStep(env),
    keepStep(env, own.type),
    exportStep(env),
  ]
}
