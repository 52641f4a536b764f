import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type BlockDeviceMapping,
  type Instance,
} from '@aws-sdk/client-ec2'
import { TsimgError, type Step } from '@tsimg/core'
import { isNotFound } from './api.js'
import type { BlockDevice } from './options.js'
import { PLUGIN, instanceTypeOf, pollOptions, teardownPollOptions, resourceData, tagSpec, type AwsEnv, type AwsState } from './state.js'
import { pollUntil } from './wait.js'

/** Instance states after which waiting for "running" is pointless. */
const DEAD = new Set(['shutting-down', 'terminated', 'stopping', 'stopped'])

/**
 * Reads the source AMI, network, key pair and security groups; creates the source instance
 * (tagged, volumes tagged) and waits until it runs, then picks its address by sshInterface.
 * Its cleanup terminates the instance and waits until it is gone.
 */
export function runInstance(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:run-instance',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      ui.say('Launching a source AWS instance...')
      const userData = o.userDataFile ? await readFile(resolve(env.build.templateDir, o.userDataFile), 'utf8') : o.userData
      const res = await env.api.call(
        env.region,
        (c, x) =>
          c.send(
            new RunInstancesCommand({
              ImageId: state.sourceImage!.id,
              InstanceType: instanceTypeOf(o.instanceType),
              MinCount: 1,
              MaxCount: 1,
              // A retried RunInstances (timeout, 5xx after the fact) must not start a second instance.
              ClientToken: `${env.build.id}-run`,
              ...(state.keyPair?.name ? { KeyName: state.keyPair.name } : {}),
              ...(userData ? { UserData: Buffer.from(userData).toString('base64') } : {}),
              ...(o.iamInstanceProfile ? { IamInstanceProfile: o.iamInstanceProfile.startsWith('arn:') ? { Arn: o.iamInstanceProfile } : { Name: o.iamInstanceProfile } } : {}),
              InstanceInitiatedShutdownBehavior: o.shutdownBehavior,
              MetadataOptions: {
                HttpEndpoint: o.metadataOptions.httpEndpoint,
                HttpTokens: o.metadataOptions.httpTokens,
                HttpPutResponseHopLimit: o.metadataOptions.httpPutResponseHopLimit,
              },
              ...(o.launchBlockDeviceMappings.length ? { BlockDeviceMappings: o.launchBlockDeviceMappings.map(toMapping) } : {}),
              ...network(state, o.associatePublicIpAddress),
              ...(state.availabilityZone && !state.subnetId ? { Placement: { AvailabilityZone: state.availabilityZone } } : {}),
              TagSpecifications: [
                tagSpec('instance', env.build, { Name: 'tsimg Builder', ...o.runTags }),
                tagSpec('volume', env.build, o.runVolumeTags),
              ],
            }),
            x,
          ),
        { signal, creates: true },
      )
      const id = res.Instances?.[0]?.InstanceId
      if (!id) throw new TsimgError('AWS_RUN_INSTANCES', 'RunInstances answered without an instance id')
      const journalId = await journal.add({ plugin: PLUGIN, kind: 'instance', description: `instance ${id} (${env.region})`, data: resourceData(env, id) })
      state.instance = { id, journalId }
      state.generated.ID = id
      ui.message(`Instance ID: ${id}`)
      signal.throwIfAborted()

      ui.say(`Waiting for instance (${id}) to become ready...`)
      const done = ui.wait(`Waiting for instance (${id}) to become ready`)
      let instance: Instance
      try {
        instance = await pollUntil<Instance>(
          `instance (${id}) to become ready`,
          async () => {
            const i = await describeInstance(env, id, signal)
            const s = i?.State?.Name
            if (s === 'running') return { done: true, value: i! }
            if (s && DEAD.has(s)) return { failed: `instance entered state ${s}${i?.StateReason?.Message ? `: ${i.StateReason.Message}` : ''}` }
            return { done: false, ...(s ? { state: s } : {}) }
          },
          pollOptions(env, signal),
        )
      } finally {
        done()
      }
      // An explicit sshHost (a bastion's view, a NAT) wins over the instance's own addresses.
      state.sshHost = o.sshHost ?? sshAddress(instance, o.sshInterface)
      state.generated.Host = state.sshHost
      if (instance.PublicIpAddress) ui.message(`Public IP: ${instance.PublicIpAddress}`)
      if (instance.PrivateIpAddress) ui.message(`Private IP: ${instance.PrivateIpAddress}`)
    },
    async cleanup({ state, ui, signal, journal }) {
      const inst = state.instance
      if (!inst || inst.terminated) return
      ui.say('Terminating the source AWS instance...')
      await terminateInstance(env, inst.id, env.region, signal, teardownPollOptions(env, signal))
      inst.terminated = true
      await journal.remove(inst.journalId)
    },
  }
}

/** Describes one instance; the NotFound right after RunInstances (eventual consistency) is retried. */
export async function describeInstance(env: Pick<AwsEnv, 'api' | 'region'>, id: string, signal: AbortSignal): Promise<Instance | undefined> {
  const res = await env.api.call(env.region, (c, x) => c.send(new DescribeInstancesCommand({ InstanceIds: [id] }), x), {
    signal,
    alsoRetry: ['InvalidInstanceID.NotFound'],
    retries: 6,
  })
  return res.Reservations?.[0]?.Instances?.[0]
}

/** Terminates and waits until terminated (so the security group and key pair can go). */
export async function terminateInstance(
  env: Pick<AwsEnv, 'api'>,
  id: string,
  region: string,
  signal: AbortSignal,
  poll: { delayMs: number; attempts: number },
): Promise<void> {
  try {
    await env.api.call(region, (c, x) => c.send(new TerminateInstancesCommand({ InstanceIds: [id] }), x), { signal })
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
  await pollUntil(
    `instance (${id}) to terminate`,
    async () => {
      try {
        const res = await env.api.call(region, (c, x) => c.send(new DescribeInstancesCommand({ InstanceIds: [id] }), x), { signal })
        const s = res.Reservations?.[0]?.Instances?.[0]?.State?.Name
        return s === undefined || s === 'terminated' ? { done: true, value: undefined } : { done: false, state: s }
      } catch (err) {
        if (isNotFound(err)) return { done: true, value: undefined }
        throw err
      }
    },
    { ...poll, signal },
  )
}

/** Picks the address to SSH to; a missing one fails now, naming the option to set. */
export function sshAddress(i: Instance, iface: string | undefined): string {
  const pick = iface ?? (i.PublicIpAddress || i.PublicDnsName ? 'public_ip' : 'private_ip')
  const candidates: Record<string, string | undefined> = {
    public_ip: i.PublicIpAddress,
    private_ip: i.PrivateIpAddress,
    public_dns: i.PublicDnsName,
    private_dns: i.PrivateDnsName,
  }
  const host = candidates[pick]
  if (host) return host
  const have = Object.entries(candidates).filter(([, v]) => v).map(([k]) => k)
  const hint = pick.startsWith('public')
    ? `Set sshInterface to ${have[0] ? `'${have[0]}'` : "'private_ip'"}, or associatePublicIpAddress: true.`
    : `Set sshInterface to one of the addresses the instance has${have.length ? ` (${have.join(', ')})` : ''}.`
  const what = `Instance ${i.InstanceId} has no ${pick.replace('_', ' ')} address to connect to${have.length ? ` (it has: ${have.join(', ')})` : ''}`
  throw new TsimgError('AWS_NO_SSH_ADDRESS', `${what}. ${hint}`, { hint })
}

function network(state: AwsState, publicIp: boolean | undefined) {
  const groups = state.securityGroupIds ?? []
  // A public IP choice needs an explicit network interface; otherwise the plain fields do.
  if (publicIp !== undefined && state.subnetId) {
    return {
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: state.subnetId, Groups: groups, AssociatePublicIpAddress: publicIp, DeleteOnTermination: true }],
    }
  }
  return { ...(state.subnetId ? { SubnetId: state.subnetId } : {}), ...(groups.length ? { SecurityGroupIds: groups } : {}) }
}

export function toMapping(d: BlockDevice): BlockDeviceMapping {
  if (d.noDevice) return { DeviceName: d.deviceName, NoDevice: '' }
  if (d.virtualName) return { DeviceName: d.deviceName, VirtualName: d.virtualName }
  return {
    DeviceName: d.deviceName,
    Ebs: {
      ...(d.volumeSize ? { VolumeSize: d.volumeSize } : {}),
      ...(d.volumeType ? { VolumeType: d.volumeType } : {}),
      DeleteOnTermination: d.deleteOnTermination ?? true,
      ...(d.encrypted !== undefined ? { Encrypted: d.encrypted } : {}),
      ...(d.iops ? { Iops: d.iops } : {}),
      ...(d.throughput ? { Throughput: d.throughput } : {}),
      ...(d.snapshotId ? { SnapshotId: d.snapshotId } : {}),
      ...(d.kmsKeyId ? { KmsKeyId: d.kmsKeyId } : {}),
    },
  }
}
