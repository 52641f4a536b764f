import type { FrontEnd } from './front-end.js'

/**
 * Every front end the emulator can start, by name. A new cloud adds one line here (its
 * folder's front-end module, exporting a FrontEnd); nothing else needs to know it.
 */
export const FRONT_ENDS: readonly FrontEnd[] = [
  (await import('./ec2/front-end.js')).ec2FrontEnd,
  (await import('./alicloud/front-end.js')).alicloudFrontEnd,
  (await import('./huawei/front-end.js')).huaweiFrontEnd,
]

export function frontEnd(name: string): FrontEnd {
  const found = FRONT_ENDS.find((f) => f.name === name)
  if (!found) throw new Error(`unknown cloud front end '${name}' (known: ${FRONT_ENDS.map((f) => f.name).join(', ')})`)
  return found
}
