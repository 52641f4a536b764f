// HashiCorp Packer 1.6.6's own vsphere-clone (Debian's `packer`, installed by scripts/setup.sh)
// builds the same JSON template tsimg runs, against the same simulator: clone, customize,
// power on, IP, SSH, the shell provisioner inside the container, shutdown, template. Skipped
// only where `packer` is not installed.
import { execFile, execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { inventory, labelledContainers, newGuest, packerTemplate, readFromContainer, useSim } from './support.js'

const hasPacker = (() => {
  try {
    execFileSync('packer', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

function packer(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'packer',
      args,
      {
        cwd,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, CHECKPOINT_DISABLE: '1', PACKER_CACHE_DIR: join(cwd, 'cache'), PACKER_CONFIG_DIR: cwd, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe.skipIf(!hasPacker)('Packer 1.6.6 vsphere-clone against the same simulator', () => {
  const s = useSim('packer')

  it('builds the template tsimg builds: the provisioner wrote inside the container and the clone became a template, nothing else left', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-packer-'))
    try {
      await writeFile(join(dir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, g), null, 2))
      const run = await packer(['build', '-machine-readable', 'builder.json'], dir, { VSPHERE_PASSWORD: s.sim.password, GUEST_PASSWORD: g.rootPassword })
      expect(run.code, `packer failed:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`).toBe(0)
      const [id] = await labelledContainers(g.label)
      expect(await readFromContainer(id!, '/etc/tsimg-marker')).toBe('made by a packer template\n')
      const after = await inventory(c)
      const name = `tsimg-${g.label}`
      expect(after.get(name)?.template).toBe(true)
      expect([...after.keys()].sort()).toEqual([...before.keys(), name].sort())
      await c.task('Destroy_Task', { $ref: true, type: 'VirtualMachine', value: after.get(name)!.moref }, {}, { signal: AbortSignal.timeout(30_000) })
      expect(await labelledContainers(g.label)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
