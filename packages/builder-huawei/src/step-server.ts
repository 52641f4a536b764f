import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { CreatePostPaidServersRequest, ListServerInterfacesRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import { TsimgError, type Step, type Ui } from '@tsimg/core/plugin'
import { TrackedResource, chooseSshAddress, waitFor, resourceData } from '@tsimg/cloud-kit'
import { field } from './api.js'
import { deleteServer, serversTagged, showServer, type ServerView } from './server.js'
import { PLUGIN, type HuaweiState } from './state.js'
import { pollLimit, tagList, teardownPollLimit, type HuaweiEnv } from './env.js'

/**
 * Creates the source server post-paid (journaled before the call; X-Client-Token makes a
 * retried create return the same server; a lost answer is found by the build-id tag), with an
 * EIP bought along when eipType is set (released with the server). Awaits its job and ACTIVE,
 * binds floatingIp / a reused EIP, and picks the SSH address. Cleanup unbinds a kept EIP, then
 * deletes the server with its volumes and bought EIP and waits until it is gone.
 */
export function server(env: HuaweiEnv, verifyOf?: { buildServerId: string }): Step<HuaweiState> {
  const tracked = new TrackedResource()
  // The verify server (of the new image) has a token and a name of its own; a lost answer is
  // found among the build's tagged servers as the one that is not the build's own.
  const verify = verifyOf !== undefined
  return {
    name: 'huaweicloud:server',
    async run(ctx) {
      const { state, ui, signal, journal } = ctx
      const o = env.options
      const userData = o.userDataFile ? await readFile(resolve(env.build.templateDir, o.userDataFile), 'utf8') : o.userData
      const name = verify ? `tsimg-verify-${env.build.id}`.slice(0, 64) : (o.instanceName ?? `tsimg-${env.build.id}`.slice(0, 64))
      const token = verify ? `${env.build.id}-verify` : env.build.id
      const body = serverBody(env, state, name, userData, verify)
      ui.say(verify ? `Creating server ${name} (${o.flavor}) of the new image ${state.sourceImage!.id}...` : `Creating server ${name} (${o.flavor})...`)
      let jobId: string | undefined
      const id = await tracked.create(
        { journal, signal },
        {
          plugin: PLUGIN,
          kind: 'server',
          token,
          description: `${verify ? 'verify ' : ''}server ${name} (${env.region})`,
          data: resourceData(env),
          create: async (requestSignal, stop) => {
            const res = await env.api.sdk(
              'CreatePostPaidServers',
              (c) => c.ecs.createPostPaidServers(new CreatePostPaidServersRequest().withXClientToken(token).withBody(body as never)),
              { signal: stop, requestSignal },
            )
            jobId = field(res, 'jobId', 'job_id')
            return res
          },
          idOf: (res) => (field(res, 'serverIds', 'server_ids') as string[] | undefined)?.[0],
          find: async (s) => (await serversTagged(env.api, [env.build.id], s)).find((x) => x.id !== verifyOf?.buildServerId)?.id,
        },
      )
      state.server = { id }
      state.generated.ID = id
      ui.message(`Server ID: ${id}`)
      if (jobId) await env.api.waitJob('ecs', jobId, `server ${id}`, pollLimit(env), signal, ui)

      const active = await waitActive(env, id, ui, signal)
      await chooseAddress(env, state, id, active, ui, signal, verify)
    },
    async cleanup({ state, ui, signal, journal }) {
      if (!tracked.started || state.server?.deleted) return
      if (state.boundIp && state.server) {
        ui.say(`Unbinding EIP ${state.boundIp.address} (kept)...`)
        await env.api.json('eip', 'UpdatePublicip', 'PUT', `/v1/${env.api.pid}/publicips/${state.boundIp.id}`, { signal }, { publicip: { port_id: null } })
      }
      ui.say('Deleting the server with its volumes...')
      await tracked.remove({ journal, signal }, (id, s) => deleteServer(env.api, id, s, teardownPollLimit(env)))
      if (state.server) state.server.deleted = true
      state.machineDown = true
    },
  }
}

/** CreatePostPaidServers' body: the source image, flavor, network, key, disks, a bought EIP, tags, post-paid. */
function serverBody(env: HuaweiEnv, state: HuaweiState, name: string, userData: string | undefined, verify: boolean) {
  const o = env.options
  return {
    server: {
      name,
      imageRef: state.sourceImage!.id,
      flavorRef: o.flavor,
      vpcid: state.vpcId,
      nics: state.subnetIds!.map((subnet_id) => ({ subnet_id })),
      security_groups: (state.securityGroupIds ?? []).map((id) => ({ id })),
      availability_zone: state.availabilityZone,
      ...(state.keyPair?.name && { key_name: state.keyPair.name }),
      ...(userData && { user_data: Buffer.from(userData).toString('base64') }),
      root_volume: { volumetype: o.volumeType, ...(o.volumeSize && { size: o.volumeSize }), ...encrypted(o.kmsKeyId) },
      ...(o.dataDisks.length && {
        data_volumes: o.dataDisks.map((d) => ({
          volumetype: d.volumeType,
          size: d.volumeSize,
          ...(d.dataImageId && { data_image_id: d.dataImageId }),
          ...(d.snapshotId && { extendparam: { snapshotId: d.snapshotId } }),
          ...encrypted(d.kmsKeyId),
        })),
      }),
      ...(o.eipType && {
        publicip: { eip: { iptype: o.eipType, bandwidth: { size: o.eipBandwidthSize, sharetype: 'PER', chargemode: 'traffic' } }, delete_on_termination: true },
      }),
      ...(Object.keys(o.instanceMetadata).length && { metadata: o.instanceMetadata }),
      server_tags: tagList(env.build, verify ? { 'tsimg-purpose': 'verify' } : {}),
      extendparam: { chargingMode: 'postPaid', ...(o.enterpriseProjectId && { enterprise_project_id: o.enterpriseProjectId }) },
    },
  }
}

/** Waits until the server is ACTIVE (ERROR fails at once). */
function waitActive(env: HuaweiEnv, id: string, ui: Ui, signal: AbortSignal): Promise<ServerView> {
  return waitFor<ServerView>({
    resource: `server ${id}`,
    until: 'to become ACTIVE',
    ui,
    signal,
    ...pollLimit(env),
    probe: async (s) => {
      const v = await showServer(env.api, id, s, true)
      if (v?.status === 'ACTIVE') return { done: true, value: v }
      if (v?.status === 'ERROR') return { failed: 'the server entered state ERROR' }
      return { done: false, ...(v && { state: v.status }) }
    },
  })
}

/** Binds floatingIp / a reused EIP if asked (the build's server only), then sets state.sshHost by sshInterface. */
async function chooseAddress(env: HuaweiEnv, state: HuaweiState, id: string, active: ServerView, ui: Ui, signal: AbortSignal, verify: boolean): Promise<void> {
  const o = env.options
  const addrs = Object.values(active.addresses).flat()
  const fixed = addrs.find((a) => a['OS-EXT-IPS:type'] !== 'floating')?.addr
  let floating = addrs.find((a) => a['OS-EXT-IPS:type'] === 'floating')?.addr
  // The build's server still holds floatingIp: the verify server uses its own addresses.
  if ((o.floatingIp || o.reuseIps) && !verify) floating = await bindIp(env, state, id, signal)
  state.sshHost = chooseSshAddress({
    resource: `Server ${id}`,
    explicitHost: o.sshHost,
    ...(o.sshInterface && { iface: o.sshInterface }),
    addresses: { public_ip: floating, private_ip: fixed },
    ifaceOption: 'sshInterface',
    publicIpOption: 'eipType',
  })
  state.generated.Host = state.sshHost
  if (floating) ui.message(`Public IP: ${floating}`)
  if (fixed) ui.message(`Private IP: ${fixed}`)
}

/** A disk's encryption, as ECS takes it: the `__system__` metadata keys. */
function encrypted(kmsKeyId: string | undefined): { metadata?: Record<string, string> } {
  return kmsKeyId ? { metadata: { __system__encrypted: '1', __system__cmkid: kmsKeyId } } : {}
}

/** Binds floatingIp (an id or address) or the first unbound EIP (reuseIps) to the server's port. */
async function bindIp(env: HuaweiEnv, state: HuaweiState, serverId: string, signal: AbortSignal): Promise<string> {
  const o = env.options
  const pid = env.api.pid
  const ips = ((await env.api.json('eip', 'ListPublicips', 'GET', `/v1/${pid}/publicips`, { signal })).publicips ?? []) as {
    id: string
    public_ip_address: string
    status: string
    port_id?: string
  }[]
  const ip = o.floatingIp ? ips.find((i) => i.id === o.floatingIp || i.public_ip_address === o.floatingIp) : ips.find((i) => i.status === 'DOWN' && !i.port_id)
  if (!ip)
    throw new TsimgError('HUAWEI_EIP', o.floatingIp ? `EIP ${o.floatingIp} not found in ${env.region}` : `reuseIps: no unbound EIP in ${env.region}`, {
      hint: o.floatingIp ? 'Check floatingIp.' : 'Set eipType to buy one.',
    })
  const ports = await env.api.sdk('ListServerInterfaces', (c) => c.ecs.listServerInterfaces(new ListServerInterfacesRequest().withServerId(serverId)), {
    signal,
  })
  const portId = field(((field(ports, 'interfaceAttachments', 'interface_attachments') ?? []) as unknown[])[0], 'port_id', 'portId')
  // Recorded before the call: a bind whose answer is lost must still be undone before the
  // server goes, or DeleteServers' delete_publicip would release the user's EIP with it.
  state.boundIp = { id: ip.id, address: ip.public_ip_address }
  await env.api.json('eip', 'UpdatePublicip', 'PUT', `/v1/${pid}/publicips/${ip.id}`, { signal }, { publicip: { port_id: portId } })
  return ip.public_ip_address
}
