import { setTimeout as sleep } from 'node:timers/promises'
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core'
import { errorCode, isNotFound } from './api.js'
import { PLUGIN, resourceData, tagSpec, tempName, type AwsEnv, type AwsState } from './state.js'

/** How long a security group may stay "in use" after its instance terminated (ENIs detach lazily). */
const DEPENDENCY_RETRIES = 12

/**
 * Reads securityGroupIds; otherwise creates a temporary security group in state.vpcId that
 * allows the SSH port only from temporarySecurityGroupSourceCidrs. Its cleanup deletes it,
 * retrying DependencyViolation within a bound.
 */
export function securityGroup(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:security-group',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      if (o.securityGroupIds?.length) {
        ui.say(`Using specified security groups: ${o.securityGroupIds.join(', ')}`)
        state.securityGroupIds = [...o.securityGroupIds]
        return
      }
      const name = tempName(env.build)
      ui.say(`Creating temporary security group for this instance: ${name}`)
      const res = await env.api.call(
        env.region,
        (c, x) =>
          c.send(
            new CreateSecurityGroupCommand({
              GroupName: name,
              Description: 'Temporary group for tsimg',
              ...(state.vpcId ? { VpcId: state.vpcId } : {}),
              TagSpecifications: [tagSpec('security-group', env.build)],
            }),
            x,
          ),
        { signal, creates: true },
      )
      const id = res.GroupId!
      const journalId = await journal.add({ plugin: PLUGIN, kind: 'security-group', description: `security group ${id} (${env.region})`, data: resourceData(env, id) })
      state.temporarySecurityGroup = { id, journalId }
      state.securityGroupIds = [id]

      const cidrs = o.temporarySecurityGroupSourceCidrs
      const port = env.sshPort
      ui.say(`Authorizing access to port ${port} from [${cidrs.join(' ')}] in the temporary security groups...`)
      // A new group is not always visible at once: retry its NotFound briefly.
      await env.api.call(
        env.region,
        (c, x) =>
          c.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: id,
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: port,
                  ToPort: port,
                  IpRanges: cidrs.filter((c) => !c.includes(':')).map((CidrIp) => ({ CidrIp })),
                  Ipv6Ranges: cidrs.filter((c) => c.includes(':')).map((CidrIpv6) => ({ CidrIpv6 })),
                },
              ],
            }),
            x,
          ),
        { signal, alsoRetry: ['InvalidGroup.NotFound'], retries: 5 },
      )
    },
    async cleanup({ state, ui, signal, journal }) {
      const sg = state.temporarySecurityGroup
      if (!sg) return
      ui.say('Deleting temporary security group...')
      await deleteSecurityGroup(env, sg.id, env.region, signal)
      await journal.remove(sg.journalId)
      delete state.temporarySecurityGroup
    },
  }
}

/** Deletes a group; DependencyViolation (the terminated instance's ENI still attached) is retried. */
export async function deleteSecurityGroup(env: Pick<AwsEnv, 'api'>, id: string, region: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await env.api.call(region, (c, x) => c.send(new DeleteSecurityGroupCommand({ GroupId: id }), x), { signal })
      return
    } catch (err) {
      if (isNotFound(err)) return
      if (errorCode(err) !== 'DependencyViolation' || attempt >= DEPENDENCY_RETRIES) throw err
      await sleep(Math.min(500 * 2 ** attempt, 5000), undefined, { signal })
    }
  }
}
