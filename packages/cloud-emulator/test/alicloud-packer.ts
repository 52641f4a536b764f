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
    return await runPackerFile(proxyEndpoint, file, { cwd: dir, ...(signal && { signal }) })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * `packer build <file>` from `cwd` (a template's relative script paths resolve from there, as
 * for a user), through the emulator as HTTP proxy, with `env` added (e.g. ALICLOUD_ACCESS_KEY
 * for a template that reads its keys from the environment). HOME is a temporary directory.
 */
export async function runPackerFile(
  proxyEndpoint: string,
  file: string,
  o: { cwd: string; env?: Record<string, string>; signal?: AbortSignal },
): Promise<{ code: number; output: string }> {
  const home = await mkdtemp(join(tmpdir(), 'tsimg-packer-home-'))
  const proxy = `http://${proxyEndpoint}`
  try {
    return await new Promise((resolve) => {
      execFile(
        'packer',
        ['build', '-color=false', file],
        {
          cwd: o.cwd,
          ...(o.signal && { signal: o.signal }),
          maxBuffer: 16 * 1024 * 1024,
          env: {
            PATH: process.env.PATH,
            HOME: home,
            PACKER_CACHE_DIR: join(home, 'cache'),
            CHECKPOINT_DISABLE: '1',
            HTTP_PROXY: proxy,
            HTTPS_PROXY: proxy,
            http_proxy: proxy,
            https_proxy: proxy,
            NO_PROXY: '',
            no_proxy: '',
            ...o.env,
          },
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0
          resolve({ code, output: stdout + stderr })
        },
      )
    })
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

export const hasPacker = async (): Promise<boolean> =>
  new Promise((resolve) => execFile('packer', ['version'], (error, stdout) => resolve(!error && stdout.includes('1.6'))))
