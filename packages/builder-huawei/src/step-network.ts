import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { TrackedResource, temporaryName, resourceData } from '@tsimg/cloud-kit'
import { field } from './api.js'
import { PLUGIN, type HuaweiState } from './state.js'
import { teardownPollLimit, type HuaweiEnv } from './env.js'
import { deleteSubnet, deleteVpc, findNet, tagNet } from './vpc.js'

/**
 * Reads vpcId + subnets (checking each subnet is in that VPC); otherwise creates a temporary
 * VPC and one subnet in the chosen zone, both named after the build and tagged with its id,
 * journaled before each create. Cleanup deletes the subnet (awaited), then the VPC.
 */
export function network(env: HuaweiEnv): Step<HuaweiState> {
  const vpcRes = new TrackedResource()
  const subnetRes = new TrackedResource()
  return {
    name: 'huaweicloud:network',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      if (o.vpcId) {
        ui.say(`Using VPC ${o.vpcId} and subnets ${o.subnets.join(', ')}`)
        for (const id of o.subnets) {
          const s = await env.api.sdk('ShowSubnet', (c) => c.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(id)), { signal })
          const in_ = field(field(s, 'subnet'), 'vpc_id', 'vpcId')
          if (in_ !== o.vpcId)
            throw new TsimgError('HUAWEI_SUBNET', `Subnet ${id} is in VPC ${in_}, not in vpcId ${o.vpcId}`, { hint: 'Set subnets of that VPC.' })
        }
        state.vpcId = o.vpcId
        state.subnetIds = [...o.subnets]
        return
      }
      const name = temporaryName(env.build)
      ui.say(`Creating temporary VPC ${name} (${o.temporaryVpcCidr})`)
      const vpcId = await vpcRes.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'vpc',
          token: name,
          description: `VPC ${name} (${env.region})`,
          data: { ...resourceData(env), name },
          create: (requestSignal, stop) =>
            env.api.createOnce(
              'CreateVpc',
              (c) =>
                c.vpc.createVpc(
                  new vpc.CreateVpcRequest().withBody({
                    vpc: {
                      name,
                      cidr: o.temporaryVpcCidr,
                      description: 'Temporary VPC for tsimg',
                      ...(o.enterpriseProjectId && { enterprise_project_id: o.enterpriseProjectId }),
                    },
                  } as never),
                ),
              (s) => findNet(env.api, 'vpcs', name, s),
              { signal: stop, requestSignal },
            ),
          idOf: (res) => field(res, 'adoptedId') ?? field(field(res, 'vpc'), 'id'),
          find: (s) => findNet(env.api, 'vpcs', name, s),
        },
      )
      state.vpcId = vpcId
      await tagNet(env.api, 'vpcs', vpcId, env.build, signal)

      ui.say(`Creating temporary subnet ${name} (${o.temporarySubnetCidr})`)
      const gateway = o.temporarySubnetCidr.replace(/\d+\/\d+$/, '1')
      const subnetId = await subnetRes.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'subnet',
          token: name,
          description: `subnet ${name} (${env.region})`,
          data: { ...resourceData(env), name, vpcId },
          create: (requestSignal, stop) =>
            env.api.createOnce(
              'CreateSubnet',
              (c) =>
                c.vpc.createSubnet(
                  new vpc.CreateSubnetRequest().withBody({
                    subnet: { name, cidr: o.temporarySubnetCidr, gateway_ip: gateway, vpc_id: vpcId, availability_zone: state.availabilityZone },
                  } as never),
                ),
              (s) => findNet(env.api, 'subnets', name, s, vpcId),
              { signal: stop, requestSignal },
            ),
          idOf: (res) => field(res, 'adoptedId') ?? field(field(res, 'subnet'), 'id'),
          find: (s) => findNet(env.api, 'subnets', name, s, vpcId),
        },
      )
      state.subnetIds = [subnetId]
      await tagNet(env.api, 'subnets', subnetId, env.build, signal)
    },
    async cleanup({ ui, signal, journal }) {
      if (subnetRes.started) {
        ui.say('Deleting temporary subnet...')
        await subnetRes.remove({ journal, signal }, (id, s) => deleteSubnet(env.api, id, s, teardownPollLimit(env)))
      }
      if (vpcRes.started) {
        ui.say('Deleting temporary VPC...')
        await vpcRes.remove({ journal, signal }, (id, s) => deleteVpc(env.api, id, s))
      }
    },
  }
}
