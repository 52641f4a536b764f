import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Runs Debian's Packer 1.6.6 (alicloud-ecs built in) against the emulator. Packer has no
 * endpoint option, but its Go SDK honours HTTP_PROXY: pointed at the emulator, every call
 * for ecs-<region>.aliyuncs.com arrives as a plain-HTTP, absolute-form request.
 */
export async function runPacker(proxyEndpoint: string, template: object, signal?: AbortSignal): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tsimg-packer-alicloud-'))
  try {
    const file = join(dir, 'template.json')
    await writeFile(file, JSON.stringify(template, null, 2))
    const proxy = `http://${proxyEndpoint}`
    return await new Promise((resolve) => {
      execFile('packer', ['build', '-color=false', file], {
        cwd: dir, signal, maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: process.env.PATH, HOME: dir, PACKER_CACHE_DIR: join(dir, 'cache'), CHECKPOINT_DISABLE: '1',
          HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: '', no_proxy: '',
        },
      }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0
        resolve({ code, output: stdout + stderr })
      })
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const hasPacker = async (): Promise<boolean> =>
  new Promise((resolve) => execFile('packer', ['version'], (error, stdout) => resolve(!error && stdout.includes('1.6'))))
