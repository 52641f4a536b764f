import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { RunInstancesCommand, type RunInstancesCommandInput, type RunInstancesCommandOutput, type Instance } from '@aws-sdk/client-ec2'
import type { Step, Ui } from '@tsimg/core/plugin'
import { TrackedResource, chooseSshAddress, waitFor, resourceData } from '@tsimg/cloud-kit'
import { PLUGIN, type AwsState } from './state.js'
import { createWithTags, tagSpec, tagTemporary } from './tags.js'
import { PURPOSE_TAG, describeInstance, findBuildInstance, terminateInstance, type InstancePurpose } from './instances.js'
import { toMapping } from './block-devices.js'
import { instanceTypeOf, pollLimit, teardownPollLimit, type AwsEnv } from './env.js'

/** Instance states after which waiting for "running" is pointless. */
const DEAD = new Set(['shutting-down', 'terminated', 'stopping', 'stopped'])

/**
 * Reads the source AMI, network, key pair and security groups; creates the source instance
 * (tagged, volumes tagged; journaled before RunInstances, whose client token makes a retry
 * return the same instance) and waits until it runs, then picks its address by sshInterface.
 * Its cleanup terminates the instance and waits until it is gone.
 */
export function runInstance(env: AwsEnv, purpose: InstancePurpose = 'build'): Step<AwsState> {
  const tracked = new TrackedResource()
  const verify = purpose === 'verify'
  // The verify instance (of the new AMI) is told apart from the build's own by its token and a tag.
  const runTags = { Name: verify ? 'tsimg Verify' : 'tsimg Builder', ...env.options.runTags, ...(verify ? { [PURPOSE_TAG]: 'verify' } : {}) }
  return {
    name: 'aws:run-instance',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      ui.say(verify ? `Launching an AWS instance of the new AMI ${state.sourceImage!.id}...` : 'Launching a source AWS instance...')
      const userData = o.userDataFile ? await readFile(resolve(env.build.templateDir, o.userDataFile), 'utf8') : o.userData
      const token = `${env.build.id}-${verify ? 'verify' : 'run'}`
      let tagVolumesLater = false
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'instance',
          token,
          description: `${verify ? 'verify ' : ''}instance of build ${env.build.id} (${env.region})`,
          data: resourceData(env),
          create: (requestSignal, stop) =>
            createWithTags(env, ui, {
              action: 'RunInstances',
              signal: stop,
              tags: runTags,
              // Without TagSpecifications, the volumes are tagged once the instance is running (below).
              idsOf: (res: RunInstancesCommandOutput) => {
                tagVolumesLater = true
                return res.Instances?.[0]?.InstanceId ? [res.Instances[0].InstanceId] : []
              },
              send: (withTags, budget) =>
                env.api.send(env.region, new RunInstancesCommand(runInstancesInput(env, state, { token, userData, runTags, withTags })), {
                  signal: stop,
                  requestSignal,
                  ...(budget && { budget }),
                }),
            }),
          idOf: (res) => res.Instances?.[0]?.InstanceId,
          find: (s) => findBuildInstance(env.api, env.region, env.build.id, s, verify),
        },
      )
      state.instance = { id }
      state.generated.ID = id
      ui.message(`Instance ID: ${id}`)

      const instance = await waitRunning(env, id, ui, signal)
      if (tagVolumesLater) {
        const volumes = (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((v): v is string => Boolean(v))
        await tagTemporary(env, env.region, volumes, signal, o.runVolumeTags)
      }
      // An explicit sshHost (a bastion's view, a NAT) wins over the instance's own addresses.
      state.sshHost = chooseSshAddress({
        resource: `Instance ${id}`,
        explicitHost: o.sshHost,
        iface: o.sshInterface,
        addresses: {
          public_ip: instance.PublicIpAddress,
          private_ip: instance.PrivateIpAddress,
          public_dns: instance.PublicDnsName,
          private_dns: instance.PrivateDnsName,
        },
        ifaceOption: 'sshInterface',
        publicIpOption: 'associatePublicIpAddress',
      })
      state.generated.Host = state.sshHost
      if (instance.PublicIpAddress) ui.message(`Public IP: ${instance.PublicIpAddress}`)
      if (instance.PrivateIpAddress) ui.message(`Private IP: ${instance.PrivateIpAddress}`)
    },
    async cleanup({ state, ui, signal, journal }) {
      if (!tracked.started || state.instance?.terminated) return
      ui.say(verify ? 'Terminating the verify instance...' : 'Terminating the source AWS instance...')
      await tracked.remove({ journal, signal }, (id, s) => terminateInstance(env.api, id, env.region, s, teardownPollLimit(env)))
      if (state.instance) state.instance.terminated = true
      state.machineDown = true
    },
  }
}

/** RunInstances' input: the source AMI, type, key, user data, metadata options, disks, network, and the tags unless the endpoint refused them. */
function runInstancesInput(
  env: AwsEnv,
  state: AwsState,
  { token, userData, runTags, withTags }: { token: string; userData: string | undefined; runTags: Record<string, string>; withTags: boolean },
): RunInstancesCommandInput {
  const o = env.options
  return {
    ImageId: state.sourceImage!.id,
    InstanceType: instanceTypeOf(o.instanceType),
    MinCount: 1,
    MaxCount: 1,
    // A retried RunInstances (timeout, 5xx after the fact) must not start a second instance.
    ClientToken: token,
    ...(state.keyPair?.name ? { KeyName: state.keyPair.name } : {}),
    ...(userData ? { UserData: Buffer.from(userData).toString('base64') } : {}),
    ...(o.iamInstanceProfile
      ? { IamInstanceProfile: o.iamInstanceProfile.startsWith('arn:') ? { Arn: o.iamInstanceProfile } : { Name: o.iamInstanceProfile } }
      : {}),
    InstanceInitiatedShutdownBehavior: o.shutdownBehavior,
    MetadataOptions: {
      HttpEndpoint: o.metadataOptions.httpEndpoint,
      HttpTokens: o.metadataOptions.httpTokens,
      HttpPutResponseHopLimit: o.metadataOptions.httpPutResponseHopLimit,
    },
    ...(o.launchBlockDeviceMappings.length ? { BlockDeviceMappings: o.launchBlockDeviceMappings.map(toMapping) } : {}),
    ...network(state, o.associatePublicIpAddress),
    ...(state.availabilityZone && !state.subnetId ? { Placement: { AvailabilityZone: state.availabilityZone } } : {}),
    ...(withTags && { TagSpecifications: [tagSpec('instance', env.build, runTags), tagSpec('volume', env.build, o.runVolumeTags)] }),
  }
}

/** Waits until the instance runs; a state it cannot come back from fails at once. */
function waitRunning(env: AwsEnv, id: string, ui: Ui, signal: AbortSignal): Promise<Instance> {
  return waitFor<Instance>({
    resource: `instance ${id}`,
    until: 'to become ready',
    headline: `Waiting for instance (${id}) to become ready...`,
    ui,
    signal,
    ...pollLimit(env),
    probe: async (s) => {
      const i = await describeInstance(env, id, s)
      const st = i?.State?.Name
      if (st === 'running') return { done: true, value: i! }
      if (st && DEAD.has(st)) return { failed: `instance entered state ${st}${i?.StateReason?.Message ? `: ${i.StateReason.Message}` : ''}` }
      return { done: false, ...(st ? { state: st } : {}) }
    },
  })
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
