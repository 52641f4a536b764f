import { KeystoneListProjectsRequest } from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js'
import { call } from './errors.js'
import { iamClient } from './sdk.js'

/**
 * The project id of a region, from Keystone's project list, as Packer's plugin finds it.
 * tsimg looks it up itself instead of letting the SDK do it, because the SDK, given no
 * project, falls through to creating one (POST /v3/projects) when the name matches none.
 */
export async function lookupProjectId(opts: {
  accessKey: string
  secretKey: string
  securityToken?: string
  region: string
  iamEndpoint: string
  timeoutMs?: number
}): Promise<string> {
  const client = iamClient({ ...opts, endpoint: opts.iamEndpoint })
  const res = await call('KeystoneListProjects', [opts.secretKey, opts.securityToken ?? ''], () =>
    client.keystoneListProjects(new KeystoneListProjectsRequest().withName(opts.region)),
  )
  const projects = (res.projects ?? []).filter((p) => p.name === opts.region)
  if (projects.length !== 1 || !projects[0]!.id)
    throw new Error(`IAM found ${projects.length} projects named '${opts.region}' (expected exactly one); set projectId`)
  return projects[0]!.id
}
