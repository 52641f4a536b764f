import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CancelledError, SshCommunicator, type SshTarget } from '@tsimg/core/plugin'
import { ansible } from '@tsimg/provisioner-ansible'
import { sharedTarget, type SharedTarget } from '../../../test/support/shared-sshd.js'
import { freePort } from '../../../test/support/sshd.js'
import { filesContaining, filesUnder, processesMentioning, provision, privateTmpdir } from './helpers.js'

// The run's shared sshd, as user deploy (key or password, sudo). The plays write only
// /etc/tsimg-ansible, /etc/direct-ran and /tmp files named for this file's playbooks.
let sshd: SharedTarget
let PASSWORD: string
let deploy: SshCommunicator
let tmp: string

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  host: sshd.host,
  port: sshd.port,
  username: 'deploy',
  privateKey: sshd.privateKey,
  // A bound on waiting for SSH, generous for a busy two-core machine (never a measured time).
  timeoutMs: 120_000,
  handshakeAttempts: 3,
  keepAliveIntervalMs: 2_000,
  hostKeyPolicy: 'accept-any',
  ...over,
})

beforeAll(async () => {
  sshd = await sharedTarget()
  PASSWORD = sshd.users.deploy.password
  const py = await sshd.exec('command -v python3')
  if (py.exitCode !== 0) throw new Error('the base image has no python3: rebuild it with `bash scripts/make-base-image.sh` (recipe 3)')
  deploy = await SshCommunicator.connect(target())
  // After testcontainers has written its lock file to the usual tmpdir.
  tmp = await privateTmpdir()
})
afterAll(async () => {
  await deploy?.close()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

/** Plays in containers on a busy two-core machine: a generous bound, never a measured duration. */
const PLAY_BOUND = { timeout: 15 * 60_000 }

/** Nothing of a run is left on this machine: no file in the private tmpdir, no process naming it. */
async function expectNothingLeft(): Promise<void> {
  expect(await filesUnder(tmp)).toEqual([])
  expect(await processesMentioning(tmp)).toEqual([])
}

/** Resolves when the slow play's `sleep 300` runs on the machine. */
async function remoteSleepStarted(): Promise<void> {
  while ((await sshd.exec('pgrep -fx "sleep 300"')).exitCode !== 0) await new Promise((r) => setTimeout(r, 100))
}

describe('ansible provisioner through the local proxy (default)', PLAY_BOUND, () => {
  it('runs a playbook with a role as a non-root user with become, streams its output and passes the build vars', async () => {
    await sshd.exec('rm -rf /etc/tsimg-ansible')
    const { lines, error } = await provision(ansible({ playbookFile: 'site.yml', groups: ['golden', 'web'], emptyGroups: ['db'] }), deploy)
    expect(error).toBeUndefined()
    expect(lines).toContain('say: Provisioning with Ansible playbook: site.yml')
    expect(lines.some((l) => /^stdout: TASK \[marker : Write the marker\] \*+$/.test(l))).toBe(true)
    expect(lines.some((l) => l.includes('"msg": "login user=deploy"'))).toBe(true)
    expect(lines.some((l) => /^stdout: default +: ok=\d+ +changed=\d+ +unreachable=0 +failed=0/.test(l))).toBe(true)
    const marker = await sshd.exec('stat -c %U /etc/tsimg-ansible/marker && cat /etc/tsimg-ansible/marker')
    expect(marker.stdout.trim().split('\n')).toEqual(['root', 'build=web type=docker tsimg=web/docker groups=golden,web'])
    await expectNothingLeft()
  })

  it('works when tsimg logs in with a password, which ansible never sees (sftp through sftpCommand, on localPort)', async () => {
    const withPassword = await SshCommunicator.connect(target({ privateKey: undefined, password: PASSWORD }))
    try {
      await sshd.exec('rm -rf /etc/tsimg-ansible /tmp/sftp-command-ran')
      const port = await freePort()
      const { lines, error } = await provision(
        ansible({ playbookFile: 'site.yml', useSftp: true, sftpCommand: 'touch /tmp/sftp-command-ran; exec /usr/lib/openssh/sftp-server -e', localPort: port }),
        withPassword,
        { secrets: [PASSWORD] },
      )
      expect(error).toBeUndefined()
      expect(lines).toContain(`message: Ansible connects to 127.0.0.1:${port}, carried over deploy@${sshd.host}:${sshd.port}`)
      expect((await sshd.exec('cat /etc/tsimg-ansible/marker')).stdout).toContain('build=web')
      expect((await sshd.exec('test -e /tmp/sftp-command-ran')).exitCode).toBe(0)
      expect(lines.join('\n')).not.toContain(PASSWORD)
      expect(await filesContaining(tmp, PASSWORD)).toEqual([])
    } finally {
      await withPassword.close()
    }
    await expectNothingLeft()
  })

  it("fails with ansible's exit status and the failing task's name, printing no password given in extra arguments", async () => {
    const { lines, error } = await provision(ansible({ playbookFile: 'fail.yml', extraArguments: ['--extra-vars', 'db_password=Secret-9xq1'] }), deploy)
    expect(error?.message).toBe('Ansible playbook fail.yml failed with exit status 2 in task "Break on purpose": non-zero return code')
    expect(lines.find((l) => l.startsWith('say: Executing Ansible:'))).toContain('--extra-vars db_password=<sensitive> ')
    expect(lines.join('\n')).not.toContain('Secret-9xq1')
    expect(lines.some((l) => l.startsWith('stdout: fatal: [default]: FAILED!'))).toBe(true)
    expect((await sshd.exec('test -e /tmp/never-reached')).exitCode).toBe(1)
    await expectNothingLeft()
  })

  it('stops ansible-playbook and the command on the machine when cancelled, leaving nothing behind', async () => {
    await sshd.exec('rm -f /tmp/slow-started')
    const ac = new AbortController()
    const run = provision(ansible({ playbookFile: 'slow.yml' }), deploy, {
      signal: ac.signal,
      // Cancelled once the task's command runs on the machine, however long that takes.
      onLine: (l) => {
        if (l.startsWith('TASK [Sleep a long time]')) void remoteSleepStarted().then(() => ac.abort())
      },
    })
    const { error } = await run
    expect(error).toBeInstanceOf(CancelledError)
    expect((await sshd.exec('test -e /tmp/slow-started')).exitCode).toBe(0)
    // The remote sleep got the signal with its session (sshd kills a non-root session's group).
    await expect.poll(async () => (await sshd.exec('pgrep -fx "sleep 300"')).stdout.trim(), { timeout: 20_000 }).toBe('')
    await expectNothingLeft()
  })

  it('says clearly when the Galaxy server in galaxyFile cannot be reached', async () => {
    const { error } = await provision(
      // A closed port on loopback stands for any unreachable Galaxy: nothing leaves this machine.
      ansible({ playbookFile: 'site.yml', galaxyFile: 'requirements.yml', ansibleEnvVars: { ANSIBLE_GALAXY_SERVER: 'http://127.0.0.1:9' } }),
      deploy,
    )
    expect(error?.message).toMatch(/^ansible-galaxy could not reach a Galaxy server \(exit status \d+\): /)
    await expectNothingLeft()
  })
})

describe('ansible provisioner with useProxy: false', PLAY_BOUND, () => {
  it('connects directly as the non-root user with become, with a 0600 copy of the key that is gone afterwards', async () => {
    await sshd.exec('rm -f /etc/direct-ran')
    const keyBody = sshd.privateKey.split('\n')[1]!
    const { lines, error } = await provision(ansible({ playbookFile: 'key-file.yml', useProxy: false }), deploy)
    expect(error).toBeUndefined()
    expect(lines.some((l) => l.includes('"msg": "key mode=0600 exists=True"'))).toBe(true)
    const executing = lines.find((l) => l.startsWith('say: Executing Ansible: ansible-playbook '))
    expect(executing).toMatch(new RegExp(` -e ansible_ssh_private_key_file=${tmp}/tsimg-ansible-\\w+/ssh\\.key -i `))
    expect((await sshd.exec('stat -c %U /etc/direct-ran')).stdout.trim()).toBe('root')
    expect(lines.join('\n')).not.toContain(keyBody)
    await expectNothingLeft()
  })

  it('refuses a password-only connection before running ansible, pointing to the proxy', async () => {
    const withPassword = await SshCommunicator.connect(target({ privateKey: undefined, password: PASSWORD }))
    try {
      const { error } = await provision(ansible({ playbookFile: 'site.yml', useProxy: false }), withPassword)
      expect(error?.message).toBe('useProxy: false needs the connection to use a private key or ssh-agent; it logs in with a password')
    } finally {
      await withPassword.close()
    }
    await expectNothingLeft()
  })
})
