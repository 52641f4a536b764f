// `tsimg build examples/aws/image.ts` through the real CLI against the emulator.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { shell } from '@tsimg/provisioner-shell'
import { cliEnv, emulatorSource, journalFiles, leftovers, runBuild, useEmulator } from './support.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')

const t = useEmulator()

function tsimg(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: cliEnv(t.emu, t.stateDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => res({ code, out }))
  })
}

describe('examples/aws/image.ts', { timeout: 600_000 }, () => {
  it('tsimg build produces an AMI holding the provisioned files, with Packer-like output', async () => {
    const manifest = join(t.stateDir, 'manifest.json')
    const { code, out } = await tsimg(['build', '--var', `manifest=${manifest}`, 'examples/aws/image.ts'])
    expect(code, out).toBe(0)
    for (const line of [
      '==> amazon-ebs.web: Prevalidating any provided VPC information',
      '==> amazon-ebs.web: Prevalidating AMI Name: tsimg-example-web-',
      'amazon-ebs.web: Found Image ID: ami-',
      '==> amazon-ebs.web: Creating temporary keypair: tsimg-',
      '==> amazon-ebs.web: Launching a source AWS instance...',
      '==> amazon-ebs.web: Using SSH communicator to connect: 127.0.0.',
      '==> amazon-ebs.web: Stopping the source instance...',
      '==> amazon-ebs.web: Creating AMI tsimg-example-web-',
      '==> amazon-ebs.web: Terminating the source AWS instance...',
      '==> amazon-ebs.web: Deleting temporary security group...',
      '==> amazon-ebs.web: Deleting temporary keypair...',
      'AMIs were created:',
    ]) {
      expect(out).toContain(line)
    }
    expect(out).not.toContain(t.emu.credentials.secretAccessKey)
    const ami = /us-east-1: (ami-[0-9a-f]+)/.exec(out)?.[1]
    expect(ami).toBeDefined()
    expect(await readFile(manifest, 'utf8')).toContain(`us-east-1:${ami}`)
    expect(leftovers(t.emu).filter((e) => e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])

    // Launch the new AMI and read back what the example provisioned.
    const check = await runBuild(emulatorSource(t.emu, { sourceAmi: ami!, sourceAmiFilter: undefined, skipCreateAmi: true }), {
      stateDir: t.stateDir,
      provisioners: [shell({ inline: ['cat /etc/motd /etc/tsimg-release'] })],
    })
    expect(check.summary.error?.message).toBeUndefined()
    const text = check.lines.join('\n')
    expect(text).toContain('This machine was built by tsimg (amazon-ebs).')
    expect(text).toMatch(/built_at=\d{4}-/)
  })
})
