import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * ansible's SSH control masters (ControlPersist) leave its process group and outlive it by a
 * minute; each is asked to exit through its socket, so no ssh process of the run remains.
 */
export async function stopControlMasters(dir: string): Promise<void> {
  const sockets = await readdir(dir).catch(() => [] as string[])
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          execFile('ssh', ['-o', `ControlPath=${join(dir, s)}`, '-O', 'exit', 'tsimg-ansible'], { timeout: 10_000 }, () => resolve())
        }),
    ),
  )
}
