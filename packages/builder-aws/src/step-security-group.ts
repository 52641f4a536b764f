import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { TrackedResource, temporaryName, resourceData } from '@tsimg/cloud-kit'
import { PLUGIN, type AwsState } from './state.js'
import type { AwsEnv } from './env.js'
import { createWithTags, tagSpec } from './tags.js'
import { deleteSecurityGroup, findSecurityGroup } from './security-groups.js'

/**
 * Reads securityGroupIds; otherwise creates a temporary security group in state.vpcId that
 * allows the SSH port only from temporarySecurityGroupSourceCidrs. Its cleanup deletes it,
 * retrying DependencyViolation (the instance's network interface detaching) within a bound.
 */
export function securityGroup(env: AwsEnv): Step<AwsState> {
  const tracked = new TrackedResource()
  return {
    name: 'aws:security-group',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      if (o.securityGroupIds?.length) {
        ui.say(`Using specified security groups: ${o.securityGroupIds.join(', ')}`)
        state.securityGroupIds = [...o.securityGroupIds]
        return
      }
      const name = temporaryName(env.build)
      ui.say(`Creating temporary security group for this instance: ${name}`)
      const vpc = state.vpcId ? { VpcId: state.vpcId } : {}
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'security-group',
          token: name,
          description: `security group ${name} (${env.region})`,
          data: { ...resourceData(env), name, ...(state.vpcId && { vpcId: state.vpcId }) },
          create: (requestSignal, stop) =>
            createWithTags(env, ui, {
              action: 'CreateSecurityGroup',
              signal: stop,
              send: (withTags, budget) =>
                env.api.send(
                  env.region,
                  new CreateSecurityGroupCommand({
                    GroupName: name,
                    Description: 'Temporary group for tsimg',
                    ...vpc,
                    ...(withTags && { TagSpecifications: [tagSpec('security-group', env.build)] }),
                  }),
                  {
                    signal: stop,
                    requestSignal,
                    ...(budget && { budget }),
                  },
                ),
              idsOf: (res) => (res.GroupId ? [res.GroupId] : []),
            }),
          idOf: (res) => res.GroupId,
          find: (s) => findSecurityGroup(env.api, env.region, name, state.vpcId, s),
        },
      )
      state.securityGroupIds = [id]

      const cidrs = o.temporarySecurityGroupSourceCidrs
      const port = env.sshPort
      ui.say(`Authorizing access to port ${port} from [${cidrs.join(' ')}] in the temporary security groups...`)
      // A new group is not always visible at once: its NotFound is retried briefly.
      await env.api.send(
        env.region,
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
        { signal, retry: ['not-found'], budget: { attempts: 6 } },
      )
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say('Deleting temporary security group...')
      await tracked.remove({ journal, signal }, (id, s) => deleteSecurityGroup(env.api, id, env.region, s))
    },
  }
}
