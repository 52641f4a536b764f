/** Runs the real tsimg CLI as a user would, for the seed builds against the emulator. */
import { execFileSync, spawn } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../../../..')
const CLI = resolve(ROOT, 'packages/core/bin/tsimg.js')

/** `cwd`: where the user runs it; a Packer template's relative paths are resolved from there, as Packer does. */
export function tsimg(args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => res({ code, out }))
  })
}

/** Reads files from a docker image (an emulated cloud image is a committed container). */
export function readFromImage(dockerRef: string, ...paths: string[]): string {
  return execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', dockerRef, ...paths], { encoding: 'utf8' })
}
