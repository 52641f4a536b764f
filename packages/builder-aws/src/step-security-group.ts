import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { TrackedResource, deleteUntilGone, temporaryName } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'
import { PLUGIN, type AwsState } from './state.js'
import { resourceData, tagSpec, type AwsEnv } from './env.js'
import { createWithTags } from './step-create-image.js'

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
                env.api.send(env.region, new CreateSecurityGroupCommand({ GroupName: name, Description: 'Temporary group for tsimg', ...vpc, ...(withTags && { TagSpecifications: [tagSpec('security-group', env.build)] }) }), {
                  signal: stop,
                  requestSignal,
                  ...(budget && { budget }),
                }),
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

/** Deletes a group; DependencyViolation (the terminated instance's ENI still attached) is retried. */
export function deleteSecurityGroup(api: Ec2Api, id: string, region: string, signal: AbortSignal): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'DeleteSecurityGroup',
    resource: `security group ${id} (${region})`,
    signal,
    send: (s) => api.client(region).send(new DeleteSecurityGroupCommand({ GroupId: id }), { abortSignal: s as never }),
  })
}

/** Our group of this name (in this VPC), if it exists. */
export async function findSecurityGroup(api: Ec2Api, region: string, name: string, vpcId: string | undefined, signal: AbortSignal): Promise<string | undefined> {
  const filters = [{ Name: 'group-name', Values: [name] }, ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : [])]
  const res = await api.send(region, new DescribeSecurityGroupsCommand({ Filters: filters }), { signal })
  return res.SecurityGroups?.[0]?.GroupId
}
