import { DescribeImagesCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { scopeData } from '@tsimg/cloud-kit'
import { PLUGIN, type AwsState } from './state.js'
import { type AwsEnv } from './env.js'

/**
 * Reads the given VPC/subnet and the AMI name; creates nothing. Fails before any resource
 * exists when the AMI name is taken (unless forced) or the network options contradict.
 */
export function prevalidate(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:prevalidate',
    async run({ ui, signal, journal }) {
      const o = env.options
      // The account goes with every journal entry: `tsimg cleanup` deletes only where its credentials reach it.
      env.scope = { ...env.scope, account: await env.api.account(env.region, signal) }
      // Where `tsimg cleanup` looks for resources tagged with this build id if the journal missed them.
      await journal.addScope({ plugin: PLUGIN, data: scopeData(env.scope) })
      ui.say('Prevalidating any provided VPC information')
      if (o.vpcId && o.subnetId) {
        const res = await env.api.send(env.region, new DescribeSubnetsCommand({ SubnetIds: [o.subnetId!] }), { signal })
        const subnet = res.Subnets?.[0]
        if (!subnet) throw new TsimgError('AWS_SUBNET_NOT_FOUND', `Subnet ${o.subnetId} not found`, { hint: 'Check subnetId.' })
        if (subnet.VpcId !== o.vpcId) {
          throw new TsimgError('AWS_VPC_MISMATCH', `Subnet ${o.subnetId} is in ${subnet.VpcId}, not in vpcId ${o.vpcId}`, {
            hint: 'Set a subnetId of that VPC, or drop vpcId.',
          })
        }
      } else if (o.vpcId) {
        const res = await env.api.send(env.region, new DescribeVpcsCommand({ VpcIds: [o.vpcId!] }), { signal })
        if (!res.Vpcs?.length) throw new TsimgError('AWS_VPC_NOT_FOUND', `VPC ${o.vpcId} not found`, { hint: 'Check vpcId.' })
      }

      if (o.skipCreateAmi) return
      ui.say(`Prevalidating AMI Name: ${o.amiName}`)
      const res = await env.api.send(env.region, new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [o.amiName] }] }), { signal })
      const taken = (res.Images ?? []).filter((i) => i.Name === o.amiName)
      if (taken.length > 0 && !(o.forceDeregister || env.build.force)) {
        throw new TsimgError('AWS_AMI_NAME_TAKEN', `Error: AMI Name: '${o.amiName}' is used by an existing AMI: ${taken.map((i) => i.ImageId).join(', ')}`, {
          hint: 'Use another amiName, or --force / forceDeregister to replace it.',
        })
      }
    },
  }
}
