import { startEmulator, type Emulator, type EmulatorOptions } from '../lifecycle.js'
import { projectId } from './projects.js'

export { projectId as huaweiProjectId, DOMAIN_ID as HUAWEI_DOMAIN_ID } from './projects.js'
export { HUAWEI_ROUTES } from './front-end.js'

export type HuaweiEmulatorOptions = Omit<EmulatorOptions, 'frontEnds'>

export interface HuaweiEmulator extends Emulator {
  /** The project id of a region (one project per region, the same in every run). */
  projectId(region: string): string
}

/**
 * Starts the Huawei Cloud front end alone over a new backend (`startEmulator({ frontEnds:
 * ['huaweicloud'] })`); its one endpoint serves IAM, ECS, VPC, EIP and IMS.
 */
export async function startHuaweiEmulator(opts: HuaweiEmulatorOptions = {}): Promise<HuaweiEmulator> {
  const emu = await startEmulator({ ...opts, frontEnds: ['huaweicloud'] })
  return Object.assign(emu, { projectId })
}
