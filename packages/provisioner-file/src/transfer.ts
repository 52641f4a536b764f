import { mkdir, stat } from 'node:fs/promises'
import { basename, dirname, join, posix, resolve } from 'node:path'
import { TsimgError, type ProvisionContext } from '@tsimg/core/plugin'

/**
 * Packer's directory rules, for both directions:
 * - a directory source without a trailing `/` is itself copied: `dest/<name>`;
 * - with a trailing `/` its contents are copied into `dest`;
 * - a file to a destination ending in `/` (or to an existing directory) lands inside it.
 */
export async function upload(ctx: ProvisionContext, source: string, destination: string): Promise<void> {
  const { communicator: comm, signal } = ctx
  ctx.ui.say(`Uploading ${source} => ${destination}`)
  const local = resolve(ctx.templateDir, source)
  const st = await stat(local).catch((err: NodeJS.ErrnoException) => {
    throw new TsimgError('SOURCE_MISSING', `Cannot upload ${source}: ${err.code ?? err.message}`, { cause: err })
  })
  if (st.isDirectory()) {
    const target = source.endsWith('/') ? destination : posix.join(destination, basename(local))
    await comm.uploadDir(local, target, { signal })
    return
  }
  let target = destination
  if (destination.endsWith('/')) {
    target = destination + basename(local)
    if (!(await comm.isDir(destination))) await mkdirRemote(ctx, destination)
  } else if (await comm.isDir(destination)) {
    target = posix.join(destination, basename(local))
  }
  await comm.uploadFile(local, target, { signal })
}

export async function uploadContent(ctx: ProvisionContext, content: string, destination: string): Promise<void> {
  ctx.ui.say(`Uploading content => ${destination}`)
  await ctx.communicator.uploadContent(content, destination, { signal: ctx.signal, mode: 0o644 })
}

export async function download(ctx: ProvisionContext, source: string, destination: string): Promise<void> {
  const { communicator: comm, signal } = ctx
  ctx.ui.say(`Downloading ${source} => ${destination}`)
  const local = resolve(ctx.templateDir, destination)
  if (await comm.isDir(source)) {
    const target = source.endsWith('/') ? local : join(local, posix.basename(source))
    await comm.downloadDir(source, target, { signal })
    return
  }
  let target = local
  if (destination.endsWith('/') || (await isLocalDir(local))) target = join(local, posix.basename(source))
  await mkdir(dirname(target), { recursive: true })
  await comm.downloadFile(source, target, { signal })
}

async function isLocalDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  )
}

/** A destination ending in `/` names a directory; make it, as scp-based Packer uploads expect it to exist. */
async function mkdirRemote(ctx: ProvisionContext, dir: string): Promise<void> {
  const r = await ctx.communicator.exec(`mkdir -p '${dir.replace(/'/g, `'\\''`)}'`, { signal: ctx.signal })
  if (r.exitCode !== 0) throw new TsimgError('MKDIR_FAILED', `Cannot create remote directory ${dir} (exit status ${r.exitCode ?? r.exitSignal})`)
}
