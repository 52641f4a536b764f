import { DescribeInstancesCommand, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL } from '@tsimg/core/plugin'
import { deleteUntilGone, type PollLimit } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'
import type { AwsEnv } from './env.js'

// EC2 instances: what run-instance, stop-instance and `tsimg cleanup` ask of them.

/** Describes one instance; the NotFound right after RunInstances (eventual consistency) is retried. */
export async function describeInstance(env: Pick<AwsEnv, 'api' | 'region'>, id: string, signal: AbortSignal): Promise<Instance | undefined> {
  const res = await env.api.send(env.region, new DescribeInstancesCommand({ InstanceIds: [id] }), { signal, retry: ['not-found'], budget: { attempts: 7 } })
  return res.Reservations?.[0]?.Instances?.[0]
}

/** The build's own instance, or the instance of the new AMI that the verify phase checks. */
export type InstancePurpose = 'build' | 'verify'
/** Tag of the verify phase's instance (`verify`), so a lost RunInstances answer finds it and not the build's. */
export const PURPOSE_TAG = 'tsimg-purpose'

/** The live instance tagged with this build id (what a RunInstances with a lost answer started): the build's, or with `verify` the verify phase's. */
export async function findBuildInstance(api: Ec2Api, region: string, buildId: string, signal: AbortSignal, verify = false): Promise<string | undefined> {
  const res = await api.send(
    region,
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${BUILD_ID_LABEL}`, Values: [buildId] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    }),
    { signal },
  )
  const instances = res.Reservations?.flatMap((r) => r.Instances ?? []) ?? []
  const isVerify = (i: Instance) => (i.Tags ?? []).some((t) => t.Key === PURPOSE_TAG && t.Value === 'verify')
  return instances.find((i) => isVerify(i) === verify)?.InstanceId
}

/** Terminates and waits until terminated (so the security group and key pair can go). */
export function terminateInstance(api: Ec2Api, id: string, region: string, signal: AbortSignal, limit?: PollLimit): Promise<void> {
  return deleteUntilGone({
    caller: api.caller,
    region,
    action: 'TerminateInstances',
    resource: `instance ${id}`,
    signal,
    ...(limit && { limit }),
    send: (s) => api.client(region).send(new TerminateInstancesCommand({ InstanceIds: [id] }), { abortSignal: s as never }),
    gone: async (s) => {
      const res = await api.send(region, new DescribeInstancesCommand({ InstanceIds: [id] }), { signal: s })
      const st = res.Reservations?.[0]?.Instances?.[0]?.State?.Name
      return st === undefined || st === 'terminated' ? { done: true, value: undefined } : { done: false, state: st }
    },
  })
}
