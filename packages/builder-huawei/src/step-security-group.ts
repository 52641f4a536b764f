import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import type { Step } from '@tsimg/core/plugin'
import { TrackedResource, errorClassOf, temporaryName, resourceData } from '@tsimg/cloud-kit'
import { field } from './api.js'
import { PLUGIN, type HuaweiState } from './state.js'
import type { HuaweiEnv } from './env.js'
import { deleteSecurityGroup, findNet, tagNet } from './vpc.js'

/**
 * Reads securityGroups; otherwise creates a temporary group in the build's VPC allowing the
 * SSH port only from temporarySecurityGroupSourceCidrs. Cleanup deletes it once the server is
 * gone (a group still in use is retried within the kit's dependency budget).
 */
export function securityGroup(env: HuaweiEnv): Step<HuaweiState> {
  const tracked = new TrackedResource()
  return {
    name: 'huaweicloud:security-group',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      if (o.securityGroups.length) {
        ui.say(`Using security groups: ${o.securityGroups.join(', ')}`)
        state.securityGroupIds = [...o.securityGroups]
        return
      }
      const name = temporaryName(env.build)
      ui.say(`Creating temporary security group ${name}`)
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'security-group',
          token: name,
          description: `security group ${name} (${env.region})`,
          data: { ...resourceData(env), name },
          create: (requestSignal, stop) =>
            env.api.createOnce(
              'CreateSecurityGroup',
              (c) =>
                c.vpc.createSecurityGroup(
                  new vpc.CreateSecurityGroupRequest().withBody({
                    security_group: { name, vpc_id: state.vpcId, ...(o.enterpriseProjectId && { enterprise_project_id: o.enterpriseProjectId }) },
                  } as never),
                ),
              (s) => findNet(env.api, 'security-groups', name, s, state.vpcId),
              { signal: stop, requestSignal },
            ),
          idOf: (res) => field(res, 'adoptedId') ?? field(field(res, 'security_group', 'securityGroup'), 'id'),
          find: (s) => findNet(env.api, 'security-groups', name, s, state.vpcId),
        },
      )
      state.securityGroupIds = [id]
      await tagNet(env.api, 'security-groups', id, env.build, signal)
      const cidrs = o.temporarySecurityGroupSourceCidrs
      ui.say(`Allowing port ${env.sshPort} from ${cidrs.join(', ')}`)
      for (const cidr of cidrs) {
        const rule = {
          security_group_id: id,
          direction: 'ingress',
          ethertype: cidr.includes(':') ? 'IPv6' : 'IPv4',
          protocol: 'tcp',
          port_range_min: env.sshPort,
          port_range_max: env.sshPort,
          remote_ip_prefix: cidr,
        }
        // 409: the rule exists already (a retry after a lost answer made it): what was wanted.
        await env.api
          .sdk(
            'CreateSecurityGroupRule',
            (c) => c.vpc.createSecurityGroupRule(new vpc.CreateSecurityGroupRuleRequest().withBody({ security_group_rule: rule } as never)),
            { signal, retry: ['not-found'], budget: { attempts: 6 } },
          )
          .catch((err: unknown) => {
            if (errorClassOf(err) !== 'exists') throw err
          })
      }
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say('Deleting temporary security group...')
      await tracked.remove({ journal, signal }, (id, s) => deleteSecurityGroup(env.api, id, s))
    },
  }
}
