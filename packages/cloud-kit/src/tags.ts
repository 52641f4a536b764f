import { BUILD_ID_LABEL, CREATED_AT_LABEL, type BuildInfo } from '@tsimg/core/plugin'

/**
 * The tags every temporary resource carries: the build id (what sweeps look for) and the
 * creation time (some resources, like security groups, have none in the API), on top of the user's.
 */
export function temporaryTags(build: Pick<BuildInfo, 'id'>, user: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...user, [BUILD_ID_LABEL]: build.id, [CREATED_AT_LABEL]: new Date().toISOString() }
}

/** Name of a temporary key pair or security group: the build id (unique, and says who made it). */
export function temporaryName(build: Pick<BuildInfo, 'id'>): string {
  return build.id.startsWith('tsimg') ? build.id : `tsimg_${build.id}`
}
