import { readFile } from 'node:fs/promises'
import { isNotFound } from '@tsimg/cloud-kit'
import type { VimClient } from '../vim/client.js'
import { moref, obj, ref, type MoRef } from '../vim/xml.js'

/** A file on a datastore: `[ds] dir/file` as vSphere names it. */
export interface DatastoreFile {
  readonly datastore: string
  readonly path: string
  readonly datacenterPath: string
}

export const dsPath = (f: Pick<DatastoreFile, 'datastore' | 'path'>): string => `[${f.datastore}] ${f.path}`

/** Parses `[ds] dir/file`. */
export function parseDsPath(p: string): { datastore: string; path: string } | undefined {
  const m = /^\[([^\]]+)\]\s*(.*)$/.exec(p)
  return m ? { datastore: m[1]!, path: m[2]! } : undefined
}

/** Uploads a local file through vCenter's HTTP file interface (PUT /folder/<path>?dcPath&dsName). */
export async function uploadFile(c: VimClient, f: DatastoreFile, local: string, signal: AbortSignal): Promise<void> {
  const body = await readFile(local)
  await c.httpFile('PUT', `/folder/${f.path.split('/').map(encodeURIComponent).join('/')}`, { dcPath: f.datacenterPath, dsName: f.datastore }, body, signal)
}

/** Downloads a datastore file (GET /folder/...). */
export async function downloadFile(c: VimClient, f: DatastoreFile, signal: AbortSignal): Promise<Buffer> {
  return (
    await c.httpFile(
      'GET',
      `/folder/${f.path.split('/').map(encodeURIComponent).join('/')}`,
      { dcPath: f.datacenterPath, dsName: f.datastore },
      undefined,
      signal,
    )
  ).body
}

async function fileManager(c: VimClient, signal: AbortSignal): Promise<MoRef> {
  const sc = obj(await c.call('RetrieveServiceContent', ref('ServiceInstance', 'ServiceInstance'), {}, { signal }))
  const fm = moref(sc.fileManager)
  if (!fm) throw new Error('vCenter has no FileManager')
  return fm
}

/** Deletes a datastore file or folder (FileManager.DeleteDatastoreFile_Task); one that is gone is done. */
export async function deleteFile(c: VimClient, name: string, datacenter: MoRef, signal: AbortSignal): Promise<void> {
  try {
    await c.task('DeleteDatastoreFile_Task', await fileManager(c, signal), { name, datacenter }, { signal })
  } catch (err) {
    if (isNotFound(err) || /FileNotFound|not found/i.test(String((err as Error)?.message))) return
    throw err
  }
}

/** Makes a datastore folder (and its parents); one that exists is fine. */
export async function makeDirectory(c: VimClient, name: string, datacenter: MoRef, signal: AbortSignal): Promise<void> {
  try {
    await c.call('MakeDirectory', await fileManager(c, signal), { name, datacenter, createParentDirectories: true }, { signal })
  } catch (err) {
    if (/FileAlreadyExists|already exists/i.test(`${(err as { facts?: { code?: string } })?.facts?.code ?? ''} ${(err as Error)?.message}`)) return
    throw err
  }
}
