import { cloudResources, type CloudConnection, type CloudScope, type CredentialsReport, type TaggedResource } from '@tsimg/cloud-kit'
import { PLUGIN, BUILD_ID_KEY, CREATED_AT_KEY, KEPT_KEY } from './state.js'
import { VimClient } from './vim/client.js'
import { destroyVm, extraConfigOf, findBuildVm, vmRef } from './vm.js'
import { deleteFile } from './iso/datastore.js'
import { list, obj, ref, str } from './vim/xml.js'

/**
 * Cleanup's vCenter credentials, from the environment only (never the journal): VSPHERE_USER and
 * VSPHERE_PASSWORD (Terraform's names), or GOVC_USERNAME and GOVC_PASSWORD (govc's).
 */
function credentialsFromEnv(): { username: string; password: string } | undefined {
  const e = process.env
  const username = e.VSPHERE_USER || e.GOVC_USERNAME
  const password = e.VSPHERE_PASSWORD || e.GOVC_PASSWORD
  return username && password ? { username, password } : undefined
}

async function credentials(): Promise<CredentialsReport> {
  const e = process.env
  const set = (k: string) => `${k}: ${e[k] ? 'set' : 'not set'}`
  if (credentialsFromEnv()) return { usable: true, read: [], hint: '' }
  return {
    usable: false,
    read: [`${set('VSPHERE_USER')}, ${set('VSPHERE_PASSWORD')}`, `${set('GOVC_USERNAME')}, ${set('GOVC_PASSWORD')}`],
    hint: "Set VSPHERE_USER and VSPHERE_PASSWORD to a vCenter login that may destroy the build's VMs; then run tsimg cleanup again.",
  }
}

function connect(scope: CloudScope): CloudConnection {
  // The build's insecure_connection is journaled as `#insecure` on the endpoint; a sweep takes
  // VSPHERE_ALLOW_UNVERIFIED_SSL=true (Terraform's name) or GOVC_INSECURE=1 (govc's) as well.
  const e = process.env
  const insecure =
    (scope.endpoint?.endsWith('#insecure') ?? false) || /^(1|true)$/i.test(e.VSPHERE_ALLOW_UNVERIFIED_SSL ?? '') || /^(1|true)$/i.test(e.GOVC_INSECURE ?? '')
  let client: Promise<VimClient> | undefined
  const c = (signal: AbortSignal) => {
    const creds = credentialsFromEnv()
    if (!creds) throw new Error('no vCenter credentials (VSPHERE_USER / VSPHERE_PASSWORD)')
    client ??= VimClient.connect({ server: scope.region, ...creds, insecure, signal })
    return client
  }
  return {
    account: async (signal) => (await c(signal)).instanceUuid,
    close: () => void client?.then((x) => x.logout()).catch(() => undefined),
    kinds: [
      {
        kind: 'vm',
        async list(buildIds, signal) {
          const vc = await c(signal)
          const all = await vc.all('VirtualMachine', ['name', 'config.extraConfig', 'config.template'], signal)
          const out: TaggedResource[] = []
          for (const p of all.values()) {
            const extra = extraConfigOf(p)
            const buildId = extra.get(BUILD_ID_KEY)
            if (!buildId || (buildIds && !buildIds.includes(buildId))) continue
            const createdAt = extra.get(CREATED_AT_KEY)
            const kind = p.string('config.template') === 'true' ? 'template' : 'VM'
            out.push({
              id: p.self.value,
              label: `${kind} ${p.string('name')} (${p.self.value})`,
              buildId,
              ...(createdAt && { createdAt }),
              kept: extra.get(KEPT_KEY) === 'true',
            })
          }
          return out
        },
        delete: async (id, signal) => destroyVm(await c(signal), vmRef(id), signal),
        // A pending clone: the VM at the journaled path, if it carries the build's id.
        find: async (token, signal, data) =>
          typeof data?.buildId === 'string' ? (await findBuildVm(await c(signal), token, data.buildId, BUILD_ID_KEY, signal))?.value : undefined,
      },
      {
        // vsphere-iso's uploads (ISO, floppy and CD images) under [ds] tsimg-<build id>/: the
        // id is `<datacenter moref>|[ds] path` (see iso/steps.ts). A sweep finds the folders
        // themselves on every datastore (HostDatastoreBrowser) and deletes them whole.
        kind: 'datastore-file',
        list: async (buildIds, signal) => listUploadFolders(await c(signal), buildIds, signal),
        delete: async (id, signal) => {
          const i = id.indexOf('|')
          const file = id.slice(i + 1)
          const vc = await c(signal)
          const dc = ref('Datacenter', id.slice(0, i))
          await deleteFile(vc, file, dc, signal)
          // The build's folder goes with its last file (a folder still holding files stays).
          const folder = /^(\[[^\]]+\]\s*tsimg-[^/]+)\//.exec(file)?.[1]
          if (folder) await deleteFile(vc, folder, dc, signal).catch(() => undefined)
        },
      },
    ],
  }
}

/**
 * How `tsimg cleanup` deletes what a killed vSphere build left: the journaled VM (a pending
 * clone looked up by its inventory path and build id), VMs carrying the build id in their
 * extraConfig, and with `--sweep` every VM tsimg marked that is not a kept artifact; only on the
 * vCenter (instance uuid) the build used.
 */
export const tsimgResources = cloudResources({ id: PLUGIN, cloud: 'vSphere', connect, credentials })

/** The `[ds] tsimg-<build id>` folders vsphere-iso uploads into, on every datastore of every datacenter. */
async function listUploadFolders(vc: VimClient, buildIds: readonly string[] | undefined, signal: AbortSignal): Promise<TaggedResource[]> {
  const out: TaggedResource[] = []
  for (const dc of (await vc.all('Datacenter', ['name', 'datastore'], signal)).values()) {
    for (const ds of dc.refs('datastore')) {
      const p = await vc.get(ds, ['name', 'browser'], signal)
      const browser = p?.ref('browser')
      const name = p?.string('name')
      if (!browser || !name) continue
      const res = obj(
        await vc.task(
          'SearchDatastore_Task',
          browser,
          {
            datastorePath: `[${name}]`,
            searchSpec: { details: { fileType: true, fileSize: false, modification: true, fileOwner: false }, matchPattern: ['tsimg-tsimg-*'] },
          },
          { signal },
        ),
      )
      for (const f of list(res.file)) {
        const folder = str(obj(f).path) ?? ''
        const buildId = folder.slice('tsimg-'.length)
        if (!/^tsimg-[a-z0-9]+$/.test(buildId) || (buildIds && !buildIds.includes(buildId))) continue
        const modified = str(obj(f).modification)
        out.push({
          id: `${dc.self.value}|[${name}] ${folder}`,
          label: `datastore folder [${name}] ${folder}`,
          buildId,
          ...(modified && { createdAt: modified }),
        })
      }
    }
  }
  return out
}
