import type { Step } from '@tsimg/core/plugin'
import { TrackedResource, temporaryName, resourceData } from '@tsimg/cloud-kit'
import { deleteSecurityGroup, findSecurityGroups } from './ops.js'
import { Ecs } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, type AliEnv } from './env.js'
import { createTagged } from './tagged.js'

/**
 * Reads securityGroupId; otherwise creates a temporary group in state.vpcId that lets the SSH
 * port in only from temporarySecurityGroupSourceCidrs (Packer opens every port to the world).
 * Its cleanup deletes it, retrying while the deleted instance still holds it.
 */
export function securityGroup(env: AliEnv): Step<AliState> {
  const tracked = new TrackedResource()
  return {
    name: 'alicloud:security-group',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const r = env.region
      if (o.securityGroupId) {
        state.securityGroupId = o.securityGroupId
        return
      }
      ui.say('Creating security group...')
      const name = o.securityGroupName ?? temporaryName(env.build)
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'security-group',
          token: `${env.build.id}-sg`,
          description: `security group ${name} (${r})`,
          data: { ...resourceData(env), name },
          create: (requestSignal, stop) =>
            createTagged(
              env,
              ui,
              {
                action: 'CreateSecurityGroup',
                target: { product: 'ecs', type: 'securitygroup' },
                signal: stop,
                send: (withTags, budget) =>
                  env.api.ecs(
                    'CreateSecurityGroup',
                    r,
                    (c) =>
                      c.createSecurityGroup(
                        new Ecs.CreateSecurityGroupRequest({
                          regionId: r,
                          vpcId: state.vpcId,
                          securityGroupName: name,
                          description: 'Temporary group for tsimg',
                          clientToken: `${env.build.id}-sg`,
                          ...(withTags && { tag: buildTags(Ecs.CreateSecurityGroupRequestTag, env.build) }),
                        }),
                      ),
                    { signal: stop, requestSignal, ...(budget && { budget }) },
                  ),
              },
              (res) => res.body?.securityGroupId,
            ),
          idOf: (res) => res.body?.securityGroupId,
          find: async (s) => (await findSecurityGroups(env.api, r, env.build.id, s))[0]?.securityGroupId,
        },
      )
      state.securityGroupId = id
      ui.message(`Created security group: ${id}`)
      for (const cidr of o.temporarySecurityGroupSourceCidrs) {
        await env.api.ecs(
          'AuthorizeSecurityGroup',
          r,
          (c) =>
            c.authorizeSecurityGroup(
              new Ecs.AuthorizeSecurityGroupRequest({
                regionId: r,
                securityGroupId: id,
                ipProtocol: 'tcp',
                portRange: `${env.sshPort}/${env.sshPort}`,
                sourceCidrIp: cidr,
                policy: 'accept',
                nicType: 'intranet',
              }),
            ),
          { signal, retry: ['not-found'], budget: { attempts: 6 } },
        )
      }
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say("Cleaning up 'security group'")
      await tracked.remove({ journal, signal }, (id, s) => deleteSecurityGroup(env.api, env.region, id, s))
    },
  }
}
