import { DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from '@aws-sdk/client-ec2'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'
import { toFilters } from './filters.js'

/**
 * Reads vpcId/subnetId, their filters or the default VPC; sets state.vpcId/subnetId/
 * availabilityZone. Creates nothing.
 */
export function networkInfo(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:network-info',
    async run({ state, signal }) {
      const o = env.options
      let vpcId = o.vpcId
      if (!vpcId && o.vpcFilter) {
        const res = await env.api.send(env.region, new DescribeVpcsCommand({ Filters: toFilters(o.vpcFilter!.filters) }), { signal })
        const vpcs = res.Vpcs ?? []
        if (vpcs.length !== 1) throw new TsimgError('AWS_VPC_FILTER', `vpcFilter matched ${vpcs.length} VPCs; it must match exactly one`)
        vpcId = vpcs[0]!.VpcId
      }

      let subnet: Subnet | undefined
      if (o.subnetId) {
        subnet = (await env.api.send(env.region, new DescribeSubnetsCommand({ SubnetIds: [o.subnetId!] }), { signal })).Subnets?.[0]
        if (!subnet) throw new TsimgError('AWS_SUBNET_NOT_FOUND', `Subnet ${o.subnetId} not found`)
      } else {
        const filters = toFilters(o.subnetFilter?.filters ?? {})
        if (vpcId) filters.push({ Name: 'vpc-id', Values: [vpcId] })
        else if (!o.subnetFilter) filters.push({ Name: 'default-for-az', Values: ['true'] })
        if (o.availabilityZone) filters.push({ Name: 'availability-zone', Values: [o.availabilityZone] })
        const subnets = (await env.api.send(env.region, new DescribeSubnetsCommand({ Filters: filters }), { signal })).Subnets ?? []
        if (subnets.length === 0) {
          const looked = filters.map((f) => `${f.Name}=${f.Values!.join('|')}`).join(', ')
          throw new TsimgError('AWS_NO_SUBNET', `No subnet found for the build instance in ${env.region} (${looked})`, {
            hint: 'Set subnetId or subnetFilter, or check availabilityZone (the region may have no default VPC).',
          })
        }
        if (subnets.length > 1 && o.subnetFilter && !o.subnetFilter.mostFree && !o.subnetFilter.random) {
          throw new TsimgError('AWS_SUBNET_FILTER', `subnetFilter matched ${subnets.length} subnets; narrow it or set mostFree / random`)
        }
        subnet = o.subnetFilter?.random
          ? subnets[Math.floor(Math.random() * subnets.length)]
          : [...subnets].sort((a, b) => (b.AvailableIpAddressCount ?? 0) - (a.AvailableIpAddressCount ?? 0))[0]
      }
      // Resolved up front (Packer leaves it to RunInstances): a missing default VPC or a wrong
      // zone fails here, before anything is created, with a hint.
      state.subnetId = subnet!.SubnetId
      state.vpcId = subnet!.VpcId ?? vpcId
      state.availabilityZone = subnet!.AvailabilityZone ?? o.availabilityZone
    },
  }
}
