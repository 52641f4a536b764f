import { TsimgError, type StepList, type StepsContext } from '@tsimg/core'
import type { VsphereCloneOptions } from '../source.js'
import type { VsphereState } from '../state.js'

/** The vsphere-clone step list, in Packer's order. */
export function vsphereCloneSteps(_options: VsphereCloneOptions, _ctx: StepsContext): StepList<VsphereState> {
  throw new TsimgError('not-implemented', 'vsphere-clone builds are not implemented yet (the package skeleton only validates options)')
}
