import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { parseDuration, TsimgError, type Step, type StepList, type StepsContext } from '@tsimg/core/plugin'
import { TrackedResource } from '@tsimg/cloud-kit'
import { clientOf, findInventory, resourceData, scopeOf, type VsphereEnv } from '../env.js'
import { PLUGIN, type VsphereState } from '../state.js'
import { buildVmConfig, computeOf, configSpec, createVm, hardwareSpec, placement, reconfigure, replaceExisting, vmCleanup, vmOf } from '../steps-common.js'
import { vsphereSteps } from '../step-list.js'
import { list, obj, str, type MoRef, type Parsed, type XmlObject, type XmlValue } from '../vim/xml.js'
import { keyInterval, renderBootCommand } from './boot-command.js'
import { deleteFile, dsPath, makeDirectory, uploadFile, type DatastoreFile } from './datastore.js'
import { httpIp, startHttpServer, type RunningHttpServer } from './http-server.js'
import { usbScanCodeSender } from './keyboard.js'
import { hasMedia, makeCd, makeFloppy } from './media.js'
import type { VsphereIsoOptions } from './source.js'
import { typeBootCommand } from './type-keys.js'

type IsoEnv = VsphereEnv<VsphereIsoOptions> & {
  /** The datastore the VM's files and uploads go to. */
  datastoreName?: string
  /** Datastore paths of the ISOs to attach (iso_paths, then the uploaded ISO and CD image). */
  isoFiles: string[]
  /** The floppy image to attach. */
  floppyFile?: string
  http?: { ip: string; port: number }
}

/** The vsphere-iso step list, in Packer's order. */
export function vsphereIsoSteps(options: VsphereIsoOptions, ctx: StepsContext): StepList<VsphereState> {
  const env: IsoEnv = { options, build: ctx.build, scope: scopeOf(options), isoFiles: [...options.isoPaths] }
  return vsphereSteps(env, ctx, {
    type: 'vsphere-iso',
    make: [locateDatastoreStep(env), uploadMediaStep(env, ctx.build.templateDir), createVmStep(env)],
    beforePowerOn: [floppyStep(env), Boolean(options.httpDirectory || options.httpContent) && httpStep(env, ctx.build.templateDir)],
    afterPowerOn: [options.bootCommand.length > 0 && bootCommandStep(env)],
    guest: options.communicator !== 'none',
    afterShutdown: [removeMediaStep(env)],
  })
}

/** The datastore uploads and the VM's files go to: `datastore`, or the host's / cluster's only one. */
function locateDatastoreStep(env: IsoEnv): Step<VsphereState> {
  return {
    name: 'vsphere:datastore',
    async run({ signal }) {
      const c = clientOf(env)
      if (env.options.datastore) {
        await findInventory(env, 'Datastore', 'datastore', env.options.datastore, 'datastore', signal)
        env.datastoreName = env.options.datastore.split('/').pop()
        return
      }
      const compute = await computeOf(env, signal)
      const ds = (await c.get(compute.host ?? compute.compute, ['datastore'], signal))?.refs('datastore') ?? []
      if (ds.length !== 1) throw new TsimgError('VSPHERE_OPTION', `${ds.length ? 'more than one datastore' : 'no datastore'} where the VM runs: set datastore`)
      env.datastoreName = (await c.get(ds[0]!, ['name'], signal))?.string('name')
    },
  }
}

function buildFolder(env: IsoEnv): string {
  return `tsimg-${env.build.id}`
}

/**
 * Uploads a local file to the datastore, journaled before the upload (kind `datastore-file`,
 * token `[ds] path`) and deleted in the cleanup whatever the outcome (Packer deletes its
 * uploaded floppy and CD images too; tsimg also deletes the ISO it uploaded, keeping no cache).
 */
function upload(env: IsoEnv, tracked: TrackedResource<string>, what: string) {
  return async (ctx: { journal: StepsContextJournal; signal: AbortSignal }, local: string, name: string): Promise<string> => {
    const c = clientOf(env)
    const dc = env.datacenter!
    const file: DatastoreFile = { datastore: env.datastoreName!, path: `${buildFolder(env)}/${name}`, datacenterPath: dc.path }
    const full = dsPath(file)
    await tracked.create(
      { journal: ctx.journal, signal: ctx.signal },
      {
        plugin: PLUGIN,
        kind: 'datastore-file',
        token: full,
        description: `${what} ${full} of build ${env.build.id} (${env.scope.region})`,
        data: resourceData(env, { datacenter: dc.ref.value, datacenterPath: dc.path }),
        create: async (requestSignal) => {
          await uploadFile(c, file, local, requestSignal)
          return uploadId(dc.ref.value, full)
        },
        idOf: (x) => x,
        find: async () => undefined,
      },
    )
    return full
  }
}

/** Makes the build's upload folder `[ds] tsimg-<build id>`, journaled before the call (same kind as a file: deleted the same way). */
async function makeFolder(env: IsoEnv, tracked: TrackedResource<string>, ctx: { journal: StepsContextJournal; signal: AbortSignal }): Promise<void> {
  const dc = env.datacenter!
  const full = dsPath({ datastore: env.datastoreName!, path: buildFolder(env) })
  await tracked.create(
    { journal: ctx.journal, signal: ctx.signal },
    {
      plugin: PLUGIN,
      kind: 'datastore-file',
      token: full,
      description: `upload folder ${full} of build ${env.build.id} (${env.scope.region})`,
      data: resourceData(env, { datacenter: dc.ref.value, datacenterPath: dc.path }),
      create: async (requestSignal) => {
        await makeDirectory(clientOf(env), full, dc.ref, requestSignal)
        return uploadId(dc.ref.value, full)
      },
      idOf: (x) => x,
      find: async () => undefined,
    },
  )
}

/** A journaled upload's id: the datacenter (DeleteDatastoreFile_Task needs it) and the datastore path. */
export const uploadId = (datacenter: string, file: string): string => `${datacenter}|${file}`
export function parseUploadId(id: string): { datacenter: string; file: string } {
  const i = id.indexOf('|')
  return { datacenter: id.slice(0, i), file: id.slice(i + 1) }
}
type StepsContextJournal = Parameters<Step<VsphereState>['run']>[0]['journal']

/**
 * The files vsphere-iso puts on the datastore, under `[ds] tsimg-<build id>/`: the ISO from
 * iso_urls (downloaded from file:// or loopback http here, checksum checked), the CD image
 * (cd_files/cd_content) and the floppy image (floppy_files/floppy_dirs/floppy_content), each
 * journaled before its upload. One step before the VM, so its cleanup runs after the VM is
 * destroyed (a file a running VM holds cannot be deleted), and deletes them all and the folder.
 */
function uploadMediaStep(env: IsoEnv, templateDir: string): Step<VsphereState> {
  const uploads: TrackedResource<string>[] = []
  const work: string[] = []
  // The build's folder is journaled before MakeDirectory like every upload, and a cancel while
  // the call is in flight does not cut it short: cleanup awaits it, then deletes the folder.
  const folder = new TrackedResource<string>()
  return {
    name: 'vsphere:upload-media',
    async run({ signal, ui, journal }) {
      const o = env.options
      const put = async (local: string, name: string, what: string): Promise<string> => {
        if (!folder.started) await makeFolder(env, folder, { journal, signal })
        const t = new TrackedResource<string>()
        uploads.push(t)
        return upload(env, t, what)({ journal, signal }, local, name)
      }
      if (o.isoUrls.length) {
        const dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-'))
        work.push(dir)
        const local = join(dir, 'image.iso')
        let lastError: unknown
        let got = false
        ui.say('Retrieving ISO')
        for (const url of o.isoUrls) {
          try {
            ui.message(`Trying ${url}`)
            await fetchIso(url, templateDir, local, signal)
            await checkChecksum(local, o.isoChecksum ?? 'none', templateDir, signal)
            got = true
            break
          } catch (e) {
            if (signal.aborted) throw e
            lastError = e
            ui.message(`${url}: ${(e as Error).message}`)
          }
        }
        if (!got)
          throw new TsimgError('VSPHERE_ISO', `no ISO could be retrieved: ${(lastError as Error)?.message}`, { hint: 'check iso_urls and iso_checksum' })
        ui.say('Uploading ISO to the datastore...')
        const name = basename(new URL(o.isoUrls[0]!, 'file:///').pathname) || 'image.iso'
        env.isoFiles.push(await put(local, name.endsWith('.iso') ? name : `${name}.iso`, 'ISO'))
      }
      if (hasMedia({ files: o.cdFiles, content: o.cdContent, label: o.cdLabel })) {
        ui.say('Creating CD disk...')
        const made = await makeCd({ files: o.cdFiles, content: o.cdContent, label: o.cdLabel }, templateDir)
        work.push(made.workDir)
        env.isoFiles.push(await put(made.image, 'cd.iso', 'CD image'))
      }
      if (o.floppyImgPath) env.floppyFile = o.floppyImgPath
      else if (hasMedia({ files: o.floppyFiles, dirs: o.floppyDirs, content: o.floppyContent, label: o.floppyLabel })) {
        ui.say('Creating floppy disk...')
        const made = await makeFloppy({ files: o.floppyFiles, dirs: o.floppyDirs, content: o.floppyContent, label: o.floppyLabel }, templateDir)
        work.push(made.workDir)
        ui.say('Uploading created floppy image')
        env.floppyFile = await put(made.image, 'floppy.flp', 'floppy image')
      }
    },
    async cleanup({ journal, signal, ui }) {
      for (const w of work) await rm(w, { recursive: true, force: true })
      const started = uploads.filter((t) => t.started)
      if (started.length) ui.say('Deleting the uploaded ISO, CD and floppy images from the datastore...')
      const failures: unknown[] = []
      for (const t of started.reverse()) {
        await t
          .remove({ journal, signal }, (id, s) => deleteFile(clientOf(env), parseUploadId(id).file, env.datacenter!.ref, s))
          .catch((e: unknown) => failures.push(e))
      }
      if (folder.started && !failures.length)
        await folder
          .remove({ journal, signal }, (id, s) => deleteFile(clientOf(env), parseUploadId(id).file, env.datacenter!.ref, s))
          .catch((e: unknown) => failures.push(e))
      if (failures.length) throw failures[0]
    },
  }
}

/** Reads an ISO from a file:// URL, a local path, or a loopback http(s) URL (no other network here). */
async function fetchIso(url: string, templateDir: string, to: string, signal: AbortSignal): Promise<void> {
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url)
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1'
    if (!loopback)
      throw new Error(`tsimg downloads ISOs from file:// or loopback URLs only (${u.host} is not loopback); put the ISO on the datastore and use iso_paths`)
    await new Promise<void>((ok, fail) => {
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { signal }, (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          res.resume()
          fail(new Error(`HTTP ${res.statusCode}`))
          return
        }
        import('node:fs').then(({ createWriteStream }) => {
          const out = createWriteStream(to)
          res.pipe(out)
          out.once('finish', () => ok())
          out.once('error', fail)
        }, fail)
      })
      req.once('error', fail)
      req.end()
    })
    return
  }
  const path = url.startsWith('file:') ? fileURLToPath(url) : resolve(templateDir, url)
  await copyFile(path, to)
}

/** Packer's iso_checksum: `type:value`, a bare hex value (type from its length), `file:<url>`, or `none`. */
async function checkChecksum(file: string, spec: string, templateDir: string, signal: AbortSignal): Promise<void> {
  if (spec === 'none') return
  let [type, value] = spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : ['', spec]
  if (type === 'file') {
    const list = await import('node:fs/promises').then((f) =>
      f.readFile(value.startsWith('file:') ? fileURLToPath(value) : resolve(templateDir, value), 'utf8'),
    )
    const line = list.split('\n').find((l) => l.includes(basename(file))) ?? list.split('\n')[0] ?? ''
    value = line.trim().split(/\s+/)[0] ?? ''
    type = ''
  }
  if (!type) type = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' }[value.length] ?? ''
  if (!['md5', 'sha1', 'sha256', 'sha512'].includes(type)) throw new Error(`iso_checksum: unknown checksum type "${type}"`)
  const h = createHash(type)
  await new Promise<void>((ok, fail) => {
    const s = createReadStream(file, { signal })
    s.on('data', (d) => h.update(d))
    s.once('end', () => ok())
    s.once('error', fail)
  })
  const got = h.digest('hex')
  if (got.toLowerCase() !== value.toLowerCase()) throw new Error(`checksums didn't match: expected ${value.toLowerCase()}, got ${got}`)
}

/** Packer's "Adding generated Floppy...": the floppy drive with the uploaded image (or floppy_img_path). */
function floppyStep(env: IsoEnv): Step<VsphereState> {
  return {
    name: 'vsphere:floppy',
    async run({ state, signal, ui }) {
      if (!env.floppyFile) return
      ui.say('Adding generated Floppy...')
      const devices = await devicesOf(env, vmOf(state), signal)
      const sio = devices.find((d) => d.$type === 'VirtualSIOController')
      await reconfigure(
        env,
        vmOf(state),
        configSpec({
          deviceChange: [
            {
              operation: 'add',
              device: {
                $type: 'VirtualFloppy',
                key: -100,
                backing: { $type: 'VirtualFloppyImageBackingInfo', fileName: env.floppyFile },
                connectable: { startConnected: true, allowGuestControl: true, connected: true },
                controllerKey: sio ? Number(str(sio.key)) : undefined,
              },
            },
          ],
        }),
        signal,
      )
    },
  }
}

async function devicesOf(env: IsoEnv, vm: MoRef, signal: AbortSignal) {
  const p = await clientOf(env).get(vm, ['config.hardware.device'], signal)
  return list(obj(p?.raw('config.hardware.device')).VirtualDevice).map(obj)
}

const CONTROLLERS: Record<string, string> = {
  lsilogic: 'VirtualLsiLogicController',
  'lsilogic-sas': 'VirtualLsiLogicSASController',
  pvscsi: 'ParaVirtualSCSIController',
  scsi: 'VirtualLsiLogicController',
  nvme: 'VirtualNVMEController',
}
const NICS: Record<string, string> = {
  e1000: 'VirtualE1000',
  e1000e: 'VirtualE1000e',
  vmxnet: 'VirtualVmxnet',
  vmxnet2: 'VirtualVmxnet2',
  vmxnet3: 'VirtualVmxnet3',
  pcnet32: 'VirtualPCNet32',
}

/**
 * Packer's "Creating VM...": CreateVM_Task in the folder and pool with the guest id, hardware
 * version, CPUs, RAM, disk controllers, disks, NICs and CD-ROMs with the ISOs, the build id in
 * extraConfig (no VM of the build exists without it), journaled before the call and found by
 * path + build id when the answer is lost. An existing VM of that name is an error, or replaced
 * with -force. The cleanup destroys the VM unless the build succeeded.
 */
function createVmStep(env: IsoEnv): Step<VsphereState> {
  const tracked = new TrackedResource<Parsed | undefined>()
  return {
    name: 'vsphere:create-vm',
    async run({ state, signal, ui, journal, build }) {
      const c = clientOf(env)
      const o = env.options
      const name = o.vmName ?? `packer-${build.name.replace(/^vsphere-iso\./, '')}`
      const { folder, folderPath, compute, host, pool } = await placement(env, signal)
      const path = `${folderPath}/${name}`
      await replaceExisting(env, path, { build, ui, signal })
      const deviceChange = await newVmDevices(env, host ?? compute, signal)
      const hw = hardwareSpec(o) as Record<string, XmlValue>
      const spec: XmlObject = {
        name,
        version: o.vmVersion ? `vmx-${String(o.vmVersion).padStart(2, '0')}` : undefined,
        guestId: o.guestOsType,
        files: { vmPathName: `[${env.datastoreName}]` },
        ...hw,
        deviceChange,
        extraConfig: buildVmConfig(build),
      }
      ui.say('Creating VM...')
      const id = await createVm(env, tracked, { state, journal, signal, build, name, path }, (requestSignal) =>
        c.task('CreateVM_Task', folder, { config: configSpec(spec), pool, host }, { signal: requestSignal }),
      )
      ui.message(`VM ${path} (${id})`)
    },
    cleanup: vmCleanup(env, tracked),
  }
}

/** Disk controllers, disks, NICs and CD-ROMs of the new VM (negative keys tie devices to controllers). */
async function newVmDevices(env: IsoEnv, where: MoRef, signal: AbortSignal): Promise<XmlObject[]> {
  const o = env.options
  const out: XmlObject[] = []
  const controllers = o.diskControllerType.length ? o.diskControllerType : ['lsilogic']
  controllers.forEach((t, i) => {
    const type = CONTROLLERS[t]!
    const key = -200 - i
    out.push({
      operation: 'add',
      device:
        type === 'VirtualNVMEController' ? { $type: type, key, busNumber: i } : { $type: type, key, busNumber: i, hotAddRemove: true, sharedBus: 'noSharing' },
    })
  })
  const units = new Map<number, number>()
  o.storage.forEach((d, i) => {
    const controllerKey = -200 - d.diskControllerIndex
    let unit = units.get(controllerKey) ?? 0
    if (unit === 7 && CONTROLLERS[controllers[d.diskControllerIndex]!] !== 'VirtualNVMEController') unit++ // SCSI unit 7 is the controller's own
    units.set(controllerKey, unit + 1)
    out.push({
      operation: 'add',
      fileOperation: 'create',
      device: {
        $type: 'VirtualDisk',
        key: -300 - i,
        backing: {
          $type: 'VirtualDiskFlatVer2BackingInfo',
          fileName: '',
          diskMode: 'persistent',
          thinProvisioned: d.diskThinProvisioned,
          eagerlyScrub: d.diskEagerlyScrub,
        },
        controllerKey,
        unitNumber: unit,
        capacityInKB: d.diskSize * 1024,
      },
    })
  })
  for (const [i, n] of o.networkAdapters.entries()) {
    const backing = await nicBacking(env, where, n.network, signal)
    out.push({
      operation: 'add',
      device: {
        $type: NICS[n.networkCard]!,
        key: -400 - i,
        backing,
        connectable: { startConnected: true, allowGuestControl: true, connected: true },
        addressType: n.macAddress ? 'manual' : 'generated',
        macAddress: n.macAddress,
      },
    })
  }
  // CD-ROMs: one per ISO (at least one when any ISO or CD image is attached), on the IDE or a new SATA controller.
  if (env.isoFiles.length) {
    if (o.cdromType === 'sata') out.push({ operation: 'add', device: { $type: 'VirtualAHCIController', key: -500, busNumber: 0 } })
    env.isoFiles.forEach((file, i) => {
      out.push({
        operation: 'add',
        device: {
          $type: 'VirtualCdrom',
          key: -600 - i,
          backing: { $type: 'VirtualCdromIsoBackingInfo', fileName: file },
          connectable: { startConnected: true, allowGuestControl: true, connected: true },
          controllerKey: o.cdromType === 'sata' ? -500 : 200 + Math.floor(i / 2),
          unitNumber: o.cdromType === 'sata' ? i : i % 2,
        },
      })
    })
  }
  return out
}

/** A NIC's backing: the named network (standard or distributed port group), or the host's only one. */
async function nicBacking(env: IsoEnv, where: MoRef, network: string | undefined, signal: AbortSignal): Promise<XmlObject> {
  const c = clientOf(env)
  let net: MoRef
  if (network) {
    net = await findInventory(env, 'Network', 'network', network, 'network_adapters[].network', signal).catch(() =>
      findInventory(env, 'DistributedVirtualPortgroup', 'network', network, 'network_adapters[].network', signal),
    )
  } else {
    const nets = (await c.get(where, ['network'], signal))?.refs('network') ?? []
    if (nets.length !== 1) throw new TsimgError('VSPHERE_OPTION', `${nets.length} networks where the VM runs: set network_adapters[].network`)
    net = nets[0]!
  }
  if (net.type === 'DistributedVirtualPortgroup') {
    const p = await c.get(net, ['key', 'config.distributedVirtualSwitch'], signal)
    const dvs = p?.ref('config.distributedVirtualSwitch')
    const uuid = dvs ? (await c.get(dvs, ['uuid'], signal))?.string('uuid') : undefined
    return { $type: 'VirtualEthernetCardDistributedVirtualPortBackingInfo', port: { switchUuid: uuid, portgroupKey: p?.string('key') } }
  }
  const name = (await c.get(net, ['name'], signal))?.string('name') ?? network
  return { $type: 'VirtualEthernetCardNetworkBackingInfo', deviceName: name, network: net }
}

/** Packer's HTTP server for http_directory / http_content, closed in its cleanup whatever happens. */
function httpStep(env: IsoEnv, templateDir: string): Step<VsphereState> {
  let server: RunningHttpServer | undefined
  return {
    name: 'vsphere:http-server',
    async run({ signal, ui }) {
      const o = env.options
      server = await startHttpServer({
        ...(o.httpDirectory && { directory: resolve(templateDir, o.httpDirectory) }),
        ...(o.httpContent && { content: o.httpContent }),
        bindAddress: o.httpBindAddress,
        portMin: o.httpPortMin,
        portMax: o.httpPortMax,
        signal,
        onRequest: (method, path, status) => ui.message(`HTTP ${method} ${path} ${status}`),
      })
      ui.say(`Starting HTTP server on port ${server.port}`)
      env.http = { ip: httpIp({ httpIp: o.httpIp, bindAddress: o.httpBindAddress }), port: server.port }
    },
    async cleanup() {
      await server?.close()
      server = undefined
    },
  }
}

/** Packer's boot_wait, then the boot command typed over PutUsbScanCodes. */
function bootCommandStep(env: IsoEnv): Step<VsphereState> {
  return {
    name: 'vsphere:boot-command',
    async run({ state, signal, ui }) {
      const o = env.options
      const wait = parseDuration(o.bootWait)
      if (wait > 0) {
        ui.say(`Waiting ${o.bootWait} for boot...`)
        await sleepFor(wait, undefined, { signal })
      }
      if (env.http) ui.say(`HTTP server is working at http://${env.http.ip}:${env.http.port}/`)
      const command = renderBootCommand(o.bootCommand.join(''), { Name: state.vm!.name, ...(env.http && { HTTPIP: env.http.ip, HTTPPort: env.http.port }) })
      ui.say('Typing boot command...')
      const group = o.bootKeygroupInterval !== undefined ? parseDuration(o.bootKeygroupInterval) : 0
      const sent = await typeBootCommand(command, {
        put: usbScanCodeSender(clientOf(env), vmOf(state)),
        signal,
        keyIntervalMs: keyInterval(group, process.env, parseDuration),
        retryPauseMs: group,
        onRetry: (e) => {
          ui.error(`error typing a boot command: ${(e as Error).message}`)
          ui.say('trying key input again')
        },
      }).catch((e: unknown) => {
        if (signal.aborted) throw e
        throw new TsimgError('VSPHERE_BOOT_COMMAND', `Error running boot command: ${(e as Error).message}`)
      })
      ui.message(`${sent} key events sent`)
    },
  }
}

/**
 * After shutdown, as Packer's remove-floppy and remove-CD-ROM steps: the floppy drive removed;
 * every CD-ROM ejected (its ISO backing replaced by an empty remote passthrough, disconnected),
 * so the template holds no path to the build's files; with remove_cdrom the CD-ROMs and the
 * SATA controllers removed instead.
 */
function removeMediaStep(env: IsoEnv): Step<VsphereState> {
  const o = env.options
  return {
    name: 'vsphere:remove-media',
    async run({ state, signal, ui }) {
      const devices = await devicesOf(env, vmOf(state), signal)
      const floppies = devices.filter((d) => d.$type === 'VirtualFloppy')
      const cdroms = devices.filter((d) => d.$type === 'VirtualCdrom')
      const changes: XmlObject[] = []
      if (floppies.length && env.floppyFile) {
        ui.say('Deleting Floppy drives...')
        changes.push(...floppies.map((d) => ({ operation: 'remove', device: d as XmlObject })))
      }
      if (cdroms.length) {
        if (o.removeCdrom) {
          ui.say('Deleting CD-ROM drives...')
          changes.push(...cdroms.map((d) => ({ operation: 'remove', device: d as XmlObject })))
          changes.push(...devices.filter((d) => d.$type === 'VirtualAHCIController').map((d) => ({ operation: 'remove', device: d as XmlObject })))
        } else {
          ui.say('Eject CD-ROM drives...')
          for (const d of cdroms) {
            const device: Record<string, XmlValue> = { ...(d as XmlObject) }
            device.backing = { $type: 'VirtualCdromRemotePassthroughBackingInfo', deviceName: '', exclusive: false }
            device.connectable = { startConnected: false, allowGuestControl: false, connected: false }
            changes.push({ operation: 'edit', device })
          }
        }
      }
      if (!changes.length) return
      await reconfigure(env, vmOf(state), configSpec({ deviceChange: changes }), signal)
    },
  }
}
