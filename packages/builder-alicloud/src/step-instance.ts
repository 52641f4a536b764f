import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Step } from '@tsimg/core/plugin'
import { TrackedResource, waitFor, resourceData } from '@tsimg/cloud-kit'
import { PURPOSE_TAG, isVerifyMachine, type MachinePurpose } from './machine-purpose.js'
import type { AlicloudEcsOptions } from './options.js'
import { deleteInstance, describeInstance, listInstances, type AliInstance } from './ops.js'
import { Ecs } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, pollLimit, type AliEnv } from './env.js'
import { createTagged } from './tagged.js'

/**
 * Reads the source image, network, group and key pair; launches the instance with
 * RunInstances (journaled before the call; its ClientToken makes a retry return the same
 * instance, and a lost answer is found by the build-id tag), with the key attached at launch,
 * and waits until it runs. Its cleanup deletes the instance and waits until it is gone.
 */
export function instance(env: AliEnv, purpose: MachinePurpose = 'build'): Step<AliState> {
  const tracked = new TrackedResource()
  const verify = purpose === 'verify'
  // The verify instance (of the new image) is told apart from the build's own by its token and a tag.
  const runTags = verify ? { ...env.options.runTags, [PURPOSE_TAG]: 'verify' } : env.options.runTags
  return {
    name: 'alicloud:instance',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const r = env.region
      const userData = o.userDataFile ? await readFile(resolve(env.build.templateDir, o.userDataFile), 'utf8') : o.userData
      const token = `${env.build.id}-${verify ? 'verify' : 'run'}`
      ui.say(verify ? `Creating an instance of the new image ${state.sourceImage!.id}...` : 'Creating instance...')
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'instance',
          token,
          description: `${verify ? 'verify ' : ''}instance of build ${env.build.id} (${r})`,
          data: resourceData(env),
          create: (requestSignal, stop) =>
            createTagged(
              env,
              ui,
              {
                action: 'RunInstances',
                target: { product: 'ecs', type: 'instance' },
                tags: runTags,
                signal: stop,
                send: (withTags, budget) =>
                  env.api.ecs(
                    'RunInstances',
                    r,
                    (c) =>
                      c.runInstances(
                        new Ecs.RunInstancesRequest({
                          regionId: r,
                          imageId: state.sourceImage!.id,
                          instanceType: o.instanceType,
                          zoneId: state.zoneId,
                          vSwitchId: state.vswitchId,
                          securityGroupId: state.securityGroupId,
                          clientToken: token,
                          amount: 1,
                          instanceName: verify ? 'tsimg-verify' : (o.instanceName ?? 'tsimg-builder'),
                          description: o.description,
                          ...(state.keyPair?.name ? { keyPairName: state.keyPair.name } : {}),
                          ...(userData ? { userData: Buffer.from(userData).toString('base64') } : {}),
                          ...(o.ramRoleName ? { ramRoleName: o.ramRoleName } : {}),
                          ...(o.ioOptimized !== undefined ? { ioOptimized: o.ioOptimized ? 'optimized' : 'none' } : {}),
                          // Only associatePublicIpAddress gets a public address at launch; the default is an EIP.
                          ...(o.associatePublicIpAddress
                            ? { internetChargeType: o.internetChargeType, internetMaxBandwidthOut: o.internetMaxBandwidthOut ?? 5 }
                            : {}),
                          ...disks(o),
                          ...(withTags && { tag: buildTags(Ecs.RunInstancesRequestTag, env.build, runTags) }),
                        }),
                      ),
                    { signal: stop, requestSignal, ...(budget && { budget }) },
                  ),
              },
              (res) => res.body?.instanceIdSets?.instanceIdSet?.[0],
            ),
          idOf: (res) => res.body?.instanceIdSets?.instanceIdSet?.[0],
          find: async (s) =>
            (await listInstances(env.api, r, env.build.id, s)).find((i) => i.status !== 'Deleted' && isVerifyMachine(i.tags) === verify)?.instanceId,
        },
      )
      state.instance = { id }
      state.generated.ID = id
      ui.message(`Created instance: ${id}`)
      ui.say(`Starting instance: ${id}`)
      const running = await waitFor<AliInstance>({
        resource: `instance ${id}`,
        until: 'to run',
        headline: `Waiting for instance ${id} to become running...`,
        ui,
        signal,
        ...pollLimit(env, 10 * 60_000),
        probe: async (s) => {
          const i = await describeInstance(env.api, r, id, s)
          if (i?.status === 'Running') return { done: true, value: i }
          return { done: false, ...(i?.status ? { state: i.status } : {}) }
        },
      })
      state.privateIp = running.privateIp
      state.publicIp = running.publicIp
    },
    async cleanup({ state, ui, signal, journal }) {
      if (!tracked.started || state.instance?.deleted) return
      ui.say("Cleaning up 'instance'")
      await tracked.remove({ journal, signal }, (id, s) =>
        deleteInstance(env.api, env.region, id, s, { ...pollLimit(env, 10 * 60_000), option: 'the cleanup time limit' }),
      )
      if (state.instance) state.instance.deleted = true
      state.machineDown = true
    },
  }
}

function disks(o: AlicloudEcsOptions) {
  const s = o.systemDiskMapping
  return {
    ...(s && {
      systemDisk: new Ecs.RunInstancesRequestSystemDisk({ category: s.diskCategory, size: s.diskSize, diskName: s.diskName, description: s.diskDescription }),
    }),
    ...(o.imageDiskMappings.length > 0 && {
      dataDisk: o.imageDiskMappings.map(
        (d) =>
          new Ecs.RunInstancesRequestDataDisk({
            category: d.diskCategory,
            size: d.diskSize,
            diskName: d.diskName,
            description: d.diskDescription,
            snapshotId: d.diskSnapshotId,
            device: d.diskDevice,
            deleteWithInstance: d.diskDeleteWithInstance ?? true,
            encrypted: d.diskEncrypted === undefined ? undefined : String(d.diskEncrypted),
          }),
      ),
    }),
  }
}
