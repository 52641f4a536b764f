import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * One private temporary folder (0700) per run, holding every file ansible is given: keys,
 * known_hosts, inventory, ansible's own local temp files and SSH control sockets. Removing it
 * removes them all, on success, failure and cancel.
 */
export class WorkDir {
  readonly #elsewhere: string[] = []
  private constructor(readonly path: string) {}

  /** Also remove this file (written outside the folder) when the folder is removed. */
  onRemove(path: string): void {
    this.#elsewhere.push(path)
  }

  static async create(): Promise<WorkDir> {
    // mkdtemp makes the folder 0700 itself.
    return new WorkDir(await mkdtemp(join(tmpdir(), 'tsimg-ansible-')))
  }

  join(...parts: string[]): string {
    return join(this.path, ...parts)
  }

  /** Writes a new file readable by this user only ('wx': never over a file or link planted there). */
  async writePrivate(name: string, content: string, dir = this.path): Promise<string> {
    const path = join(dir, name)
    await writeFile(path, content, { mode: 0o600, flag: 'wx' })
    await chmod(path, 0o600)
    return path
  }

  async remove(): Promise<void> {
    for (const p of this.#elsewhere.splice(0)) await rm(p, { force: true })
    await rm(this.path, { recursive: true, force: true, maxRetries: 3 })
  }
}
