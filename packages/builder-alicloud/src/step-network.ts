import { TsimgError, type Step } from '@tsimg/core/plugin'
import { TrackedResource, resourceData } from '@tsimg/cloud-kit'
import { deleteVSwitch, deleteVpc, findVSwitch, findVpc } from './ops.js'
import { Ecs, Vpc } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, type AliEnv } from './env.js'
import { createTagged } from './tagged.js'

/**
 * Reads vswitchId / vpcId / zoneId; otherwise creates a temporary VPC and a vSwitch in a zone
 * that offers instanceType (tagged with the build id, found by that tag if an answer is lost).
 * Its cleanup deletes the vSwitch, then the VPC, retrying the dependency errors Alibaba
 * answers for a while after the instance is gone.
 */
export function network(env: AliEnv): Step<AliState> {
  const vpc = new TrackedResource()
  const vswitch = new TrackedResource()
  return {
    name: 'alicloud:network',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const r = env.region
      if (o.vswitchId) {
        const res = await env.api.vpc(
          'DescribeVSwitches',
          r,
          (c) => c.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: r, vSwitchId: o.vswitchId })),
          { signal },
        )
        const sw = res.body?.vSwitches?.vSwitch?.[0]
        if (!sw) throw new TsimgError('ALICLOUD_VSWITCH_NOT_FOUND', `vSwitch ${o.vswitchId} not found in ${r}`, { hint: 'Check vswitchId.' })
        state.vswitchId = o.vswitchId
        state.vpcId = sw.vpcId
        state.zoneId = sw.zoneId
        return
      }
      state.zoneId = o.zoneId ?? (await zoneFor(env, signal))
      if (o.vpcId) {
        state.vpcId = o.vpcId
      } else {
        ui.say('Creating vpc...')
        state.vpcId = await vpc.create(
          { journal, signal },
          {
            plugin: PLUGIN,
            kind: 'vpc',
            token: `${env.build.id}-vpc`,
            description: `VPC of build ${env.build.id} (${r})`,
            data: resourceData(env),
            create: (requestSignal, stop) =>
              createTagged(
                env,
                ui,
                {
                  action: 'CreateVpc',
                  target: { product: 'vpc', type: 'VPC' },
                  signal: stop,
                  send: (withTags, budget) =>
                    env.api.vpc(
                      'CreateVpc',
                      r,
                      (c) =>
                        c.createVpc(
                          new Vpc.CreateVpcRequest({
                            regionId: r,
                            cidrBlock: o.vpcCidrBlock,
                            vpcName: o.vpcName,
                            clientToken: `${env.build.id}-vpc`,
                            ...(withTags && { tag: buildTags(Vpc.CreateVpcRequestTag, env.build) }),
                          }),
                        ),
                      { signal: stop, requestSignal, ...(budget && { budget }) },
                    ),
                },
                (res) => res.body?.vpcId,
              ),
            idOf: (res) => res.body?.vpcId,
            find: async (s) => (await findVpc(env.api, r, env.build.id, s))[0]?.vpcId,
          },
        )
        ui.message(`Created vpc: ${state.vpcId}`)
      }
      ui.say('Creating vswitch...')
      state.vswitchId = await vswitch.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'vswitch',
          token: `${env.build.id}-vsw`,
          description: `vSwitch of build ${env.build.id} (${r})`,
          data: resourceData(env),
          create: (requestSignal, stop) =>
            createTagged(
              env,
              ui,
              {
                action: 'CreateVSwitch',
                target: { product: 'vpc', type: 'VSWITCH' },
                signal: stop,
                send: (withTags, budget) =>
                  env.api.vpc(
                    'CreateVSwitch',
                    r,
                    (c) =>
                      c.createVSwitch(
                        new Vpc.CreateVSwitchRequest({
                          regionId: r,
                          vpcId: state.vpcId,
                          zoneId: state.zoneId,
                          cidrBlock: o.cidrBlock,
                          vSwitchName: o.vswitchName,
                          clientToken: `${env.build.id}-vsw`,
                          ...(withTags && { tag: buildTags(Vpc.CreateVSwitchRequestTag, env.build) }),
                        }),
                      ),
                    { signal: stop, requestSignal, retry: ['not-found', 'conflict'], budget: budget ?? { attempts: 8 } },
                  ),
              },
              (res) => res.body?.vSwitchId,
            ),
          idOf: (res) => res.body?.vSwitchId,
          find: async (s) => (await findVSwitch(env.api, r, env.build.id, s))[0]?.vSwitchId,
        },
      )
      ui.message(`Created vswitch: ${state.vswitchId}`)
    },
    async cleanup({ ui, signal, journal }) {
      if (vswitch.started) {
        ui.say("Cleaning up 'vSwitch'")
        await vswitch.remove({ journal, signal }, (id, s) => deleteVSwitch(env.api, env.region, id, s))
      }
      if (vpc.started) {
        ui.say("Cleaning up 'VPC'")
        await vpc.remove({ journal, signal }, (id, s) => deleteVpc(env.api, env.region, id, s))
      }
    },
  }
}

/** The first zone of the region that offers instanceType (the last zones often lack new types). */
async function zoneFor(env: AliEnv, signal: AbortSignal): Promise<string> {
  const res = await env.api.ecs('DescribeZones', env.region, (c) => c.describeZones(new Ecs.DescribeZonesRequest({ regionId: env.region })), { signal })
  const zones = res.body?.zones?.zone ?? []
  const zone = zones.find((z) => z.availableInstanceTypes?.instanceTypes?.includes(env.options.instanceType))
  if (!zone?.zoneId) {
    throw new TsimgError('ALICLOUD_NO_ZONE', `No zone of ${env.region} offers ${env.options.instanceType}`, {
      hint: 'Pick another instanceType, or set zoneId / vswitchId.',
    })
  }
  return zone.zoneId
}
