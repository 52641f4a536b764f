import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  BuildUi,
  FileJournal,
  Redactor,
  SshCommunicator,
  generateKeyPair,
  nonInteractive,
  provisionStep,
  runProvisioner,
  runSteps,
  type BaseState,
  type BuildEvent,
  type BuildInfo,
  type ProvisionerPlugin,
  type SshTarget,
  type Step,
} from '@tsimg/core/plugin'
import { shell } from '@tsimg/provisioner-shell'
import { startSshd, type StartedSshd } from '../../../test/support/sshd.js'

const key = generateKeyPair('ed25519', undefined, 'tsimg-shell-test')
const build: BuildInfo = { id: 'b-shell', name: 'docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: '.' }
let sshd: StartedSshd
let root: SshCommunicator
let dir: string

const target = (username = 'root'): SshTarget => ({
  host: sshd.host,
  port: sshd.port,
  username,
  privateKey: key.privateKey,
  timeoutMs: 20_000,
  handshakeAttempts: 3,
  keepAliveIntervalMs: 2_000,
  hostKeyPolicy: 'accept-any',
})

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-shell-'))
  await mkdir(join(dir, 'scripts'))
  await writeFile(
    join(dir, 'scripts/a.sh'),
    '#!/bin/sh\necho "A=$A"\necho "QUOTED=$QUOTED"\necho "build=$PACKER_BUILD_NAME/$PACKER_BUILDER_TYPE tsimg=$TSIMG_BUILD_NAME/$TSIMG_BUILDER_TYPE"\n',
  )
  // Saved with Windows line endings: must still run (`/bin/sh^M: bad interpreter` otherwise).
  await writeFile(join(dir, 'scripts/b.sh'), '#!/bin/sh\r\necho "b ran"\r\n')
  sshd = await startSshd({ authorizedKeys: [key.publicKey], users: [{ name: 'deploy', authorizedKeys: [key.publicKey], sudo: true }] })
  root = await SshCommunicator.connect(target())
})
afterAll(async () => {
  await root?.close()
  await sshd?.stop()
  await rm(dir, { recursive: true, force: true })
})
// Some tests drop the connection on purpose: each test starts connected, whatever the last did.
beforeEach(async () => {
  if (!root.connected) await root.reconnect({ timeoutMs: 30_000 })
})

/** Resolves once `comm` has noticed that its connection is gone. */
async function disconnected(comm: SshCommunicator): Promise<void> {
  while (comm.connected) await new Promise((r) => setTimeout(r, 20))
}

/** Validates then runs one provisioner the way the provision step does; returns what the user saw. */
async function provision(p: ProvisionerPlugin, comm: SshCommunicator = root): Promise<{ lines: string[]; error?: Error }> {
  const events: BuildEvent[] = []
  const ui = new BuildUi(build.name, (e) => events.push(e), nonInteractive, new Redactor())
  let error: Error | undefined
  try {
    await p.validate?.({ templateDir: dir, templateFile: join(dir, 'image.ts'), path: 'provisioners[0]' })
    await runProvisioner(p, { communicator: comm, ui, signal: new AbortController().signal, build, generated: {}, templateDir: dir })
  } catch (err) {
    error = err as Error
  }
  const lines = events.flatMap((e) => (e.type === 'ui' ? [`${e.level}: ${e.text}`] : []))
  return error ? { lines, error } : { lines }
}

async function onMachine(cmd: string): Promise<string> {
  const r = await sshd.exec(cmd)
  return `${r.exitCode}:${r.stdout.trim()}`
}

/** Runs provisioners through the real provision step, after a step that hands over the connection. */
async function steps(
  provisioners: ProvisionerPlugin[],
  opts: { errorCleanupProvisioner?: ProvisionerPlugin; after?: Step<BaseState>; signal?: AbortSignal; onLine?: (line: string) => void } = {},
) {
  const events: BuildEvent[] = []
  const ui = new BuildUi(
    build.name,
    (e) => {
      events.push(e)
      if (e.type === 'ui') opts.onLine?.(`${e.level}: ${e.text}`)
    },
    nonInteractive,
    new Redactor(),
  )
  const journalDir = await mkdtemp(join(tmpdir(), 'tsimg-shell-journal-'))
  try {
    const connect: Step<BaseState> = { name: 'test:connect', run: async (ctx) => void (ctx.state.communicator = root) }
    const { after, signal, onLine: _onLine, ...stepOpts } = opts
    const list = [connect, provisionStep<BaseState>({ provisioners, templateDir: dir, ...stepOpts }), after]
    const res = await runSteps(list, {
      state: { generated: {} },
      signal: signal ?? new AbortController().signal,
      ui,
      journal: await FileJournal.create(build.id, build.name, journalDir),
      build,
    })
    return { res, lines: events.flatMap((e) => (e.type === 'ui' ? [`${e.level}: ${e.text}`] : [])) }
  } finally {
    await rm(journalDir, { recursive: true, force: true })
  }
}

describe('shell provisioner over SSH', () => {
  it('runs inline commands, streams stdout/stderr and removes the uploaded script', async () => {
    const { lines, error } = await provision(shell({ inline: ['echo hello from $(hostname)', 'echo to-stderr >&2', 'touch /root/inline-ran'] }))
    expect(error).toBeUndefined()
    expect(lines).toContain('say: Provisioning with shell script: inline (3 commands)')
    expect(lines.some((l) => /^stdout: hello from \S+$/.test(l))).toBe(true)
    expect(lines).toContain('stderr: to-stderr')
    expect(await onMachine('test -f /root/inline-ran')).toBe('0:')
    expect(await onMachine('ls /tmp | grep -c "^script_.*\\.sh$"')).toBe('1:0')
  })

  it('pauses after the last script with pauseAfter (Packer pause_after), and a cancel ends the pause', async () => {
    const { lines, error } = await provision(shell({ inline: ['echo before-pause'], pauseAfter: '10ms' }))
    expect(error).toBeUndefined()
    const said = lines.indexOf('say: Pausing 10ms after this provisioner...')
    expect(said).toBeGreaterThan(lines.indexOf('stdout: before-pause'))
    expect(lines.indexOf('stdout: before-pause')).toBeGreaterThanOrEqual(0)
    // a build cancelled during the pause stops at once rather than sleeping it out
    const ac = new AbortController()
    const ui = new BuildUi(build.name, (e) => e.type === 'ui' && e.text.startsWith('Pausing') && ac.abort(), nonInteractive, new Redactor())
    const run = runProvisioner(shell({ inline: ['true'], pauseAfter: '1h' }), {
      communicator: root,
      ui,
      signal: ac.signal,
      build,
      generated: {},
      templateDir: dir,
    })
    await expect(run).rejects.toThrow()
    expect(ac.signal.aborted).toBe(true)
  })

  it('stops inline commands at the first failure (/bin/sh -e) and reports the exit status', async () => {
    const { lines, error } = await provision(shell({ inline: ['echo start', 'false', 'echo not-reached'] }))
    expect(error?.message).toBe('Script exited with non-zero exit status: 1. Allowed exit codes are: [0]')
    expect(lines).toContain('stdout: start')
    expect(lines).not.toContain('stdout: not-reached')
  })

  it('runs scripts in order with environment variables, build names and CRLF converted', async () => {
    const { lines, error } = await provision(shell({ scripts: ['scripts/a.sh', 'scripts/b.sh'], environmentVars: { A: '1', QUOTED: `it's $HOME "x"` } }))
    expect(error).toBeUndefined()
    expect(lines.filter((l) => l.startsWith('say:'))).toEqual([
      'say: Provisioning with shell script: scripts/a.sh',
      'say: Provisioning with shell script: scripts/b.sh',
    ])
    expect(lines).toContain('stdout: A=1')
    expect(lines).toContain(`stdout: QUOTED=it's $HOME "x"`)
    expect(lines).toContain('stdout: build=web/docker tsimg=web/docker')
    expect(lines).toContain('stdout: b ran')
  })

  it('uploads byte for byte with binary, so CRLF stays (and breaks the shebang)', async () => {
    const { error } = await provision(shell({ script: 'scripts/b.sh', binary: true }))
    expect(error?.message).toMatch(/^Script exited with non-zero exit status: 12[67]\./)
  })

  it('accepts KEY=value environment variables and a custom envVarFormat', async () => {
    const { lines } = await provision(
      shell({
        inline: ['echo "X=$X Y=$Y build=$PACKER_BUILD_NAME"'],
        environmentVars: ['X=a=b', 'Y=', 'PACKER_BUILD_NAME=mine'],
        envVarFormat: 'export %s="%s"; ',
        executeCommand: '{{.Vars}} sh {{.Path}}',
      }),
    )
    expect(lines).toContain('stdout: X=a=b Y= build=mine')
  })

  it('fails on a non-allowed exit code and accepts listed validExitCodes', async () => {
    expect((await provision(shell({ inline: ['exit 3'] }))).error?.message).toBe('Script exited with non-zero exit status: 3. Allowed exit codes are: [0]')
    expect((await provision(shell({ inline: ['exit 3'], validExitCodes: [0, 3] }))).error).toBeUndefined()
    expect((await provision(shell({ inline: ['exit 4'], validExitCodes: [0, 3] }))).error?.message).toBe(
      'Script exited with non-zero exit status: 4. Allowed exit codes are: [0 3]',
    )
  })

  it('runs through sudo with an executeCommand, keeping the variables', async () => {
    const deploy = await SshCommunicator.connect(target('deploy'))
    try {
      const { lines, error } = await provision(
        shell({
          inline: ['echo "uid=$(id -u) who=$WHO"', 'touch /root/sudo-ran'],
          environmentVars: { WHO: 'deploy-env' },
          executeCommand: 'chmod +x {{.Path}}; {{.Vars}} sudo -E {{.Path}}',
        }),
        deploy,
      )
      expect(error).toBeUndefined()
      expect(lines).toContain('stdout: uid=0 who=deploy-env')
      expect(await onMachine('test -f /root/sudo-ran')).toBe('0:')
    } finally {
      await deploy.close()
    }
  })

  it('uploads to remotePath or remoteFolder/remoteFile and keeps the script with skipClean', async () => {
    const kept = await provision(shell({ inline: ['echo "me=$0"'], remotePath: '/root/kept.sh', skipClean: true }))
    expect(kept.lines).toContain('stdout: me=/root/kept.sh')
    expect(await onMachine('head -1 /root/kept.sh')).toBe('0:#!/bin/sh -e')
    const cleaned = await provision(shell({ inline: ['echo "me=$0"'], remoteFolder: '/root', remoteFile: 'run-me.sh', inlineShebang: '/bin/bash -e' }))
    expect(cleaned.lines).toContain('stdout: me=/root/run-me.sh')
    expect(await onMachine('test -e /root/run-me.sh; echo $?')).toBe('0:1')
  })

  it('fails a script that outlives its timeout, naming the timeout', async () => {
    // The script would outlast the test's own time limit: only the timeout can end it in time.
    const { error } = await provision(shell({ inline: ['sleep 3600'], timeout: '1s' }))
    expect(error?.message).toBe('Provisioner shell (inline) timed out after 1s (timeout: 1s)')
  })

  it('retries the whole provisioner up to maxRetries', async () => {
    await sshd.exec('rm -f /root/count')
    const { lines, error } = await provision(
      shell({ inline: ['n=$(cat /root/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /root/count; [ $n -ge 3 ]'], maxRetries: 2 }),
    )
    expect(error).toBeUndefined()
    expect(await onMachine('cat /root/count')).toBe('0:3')
    expect(lines.filter((l) => l.includes('Retrying'))).toHaveLength(2)
  })
})

describe('shell provisioner with the provision step', () => {
  it('applies only/except against the source and build names', async () => {
    await sshd.exec('rm -f /root/only-*')
    const { res } = await steps([
      shell({ inline: ['touch /root/only-web'], only: ['web'] }),
      shell({ inline: ['touch /root/only-db'], only: ['db'] }),
      shell({ inline: ['touch /root/only-except-docker.web'], except: ['docker.web'] }),
      shell({ inline: ['touch /root/only-except-db'], except: ['db'] }),
    ])
    expect(res.outcome).toBe('success')
    expect(await onMachine('ls /root | grep ^only- | sort | tr "\\n" " "')).toBe('0:only-except-db only-web')
  })

  it('stops a running script at once when the build is cancelled', async () => {
    const ac = new AbortController()
    // Cancelled while the script runs (it printed `started`); it would outlast the test's own
    // time limit, so only the cancel can end it in time.
    const { res, lines } = await steps([shell({ inline: ['echo started', 'sleep 3600'] }), shell({ inline: ['touch /root/not-after-cancel'] })], {
      signal: ac.signal,
      onLine: (l) => l === 'stdout: started' && ac.abort(),
    })
    expect(res.outcome).toBe('cancelled')
    expect(lines).toContain('stdout: started')
    expect(await onMachine('test -e /root/not-after-cancel; echo $?')).toBe('0:1')
  })

  it('runs the error-cleanup provisioner when provisioning fails', async () => {
    await sshd.exec('rm -f /root/error-cleanup /root/never')
    const { res, lines } = await steps([shell({ inline: ['exit 7'] }), shell({ inline: ['touch /root/never'] })], {
      errorCleanupProvisioner: shell({ inline: ['echo cleaned > /root/error-cleanup'] }),
    })
    expect(res.outcome).toBe('failed')
    expect((res.error as Error).message).toMatch(/exit status: 7/)
    expect(lines).toContain('say: Provisioning step had errors: Running the cleanup provisioner, if present...')
    expect(await onMachine('cat /root/error-cleanup')).toBe('0:cleaned')
    expect(await onMachine('test -e /root/never; echo $?')).toBe('0:1')
  })

  it('survives a script that restarts sshd with expectDisconnect, then runs the next provisioner', async () => {
    await sshd.exec('rm -f /root/second /root/before-restart')
    const { res, lines } = await steps([
      // Kill every sshd (ours included); PID 1 starts a fresh one, like `systemctl restart ssh` or a reboot.
      shell({ inline: ['touch /root/before-restart', 'pkill -x sshd', 'sleep 5', 'echo unreachable'], expectDisconnect: true }),
      shell({ inline: ['echo second > /root/second'] }),
    ])
    expect(res.error).toBeUndefined()
    expect(res.outcome).toBe('success')
    expect(lines).toContain('say: Remote end disconnected (expected: expectDisconnect is set); reconnecting...')
    expect(await onMachine('cat /root/before-restart /root/second')).toBe('0:second')
  })

  it('reconnects when the machine drops the connection after a script finished (reboot-like)', async () => {
    await sshd.exec('rm -f /root/after-drop /root/before-drop')
    // Between the two scripts the machine drops every SSH session (as a reboot does), and the
    // next script starts only once the connection has noticed.
    const drop: ProvisionerPlugin = {
      kind: 'provisioner',
      type: 'test-drop',
      options: {},
      describe: () => 'the machine drops the connection',
      async provision(ctx) {
        await sshd.exec('pkill -x sshd')
        await disconnected(ctx.communicator as SshCommunicator)
      },
    }
    const { res, lines } = await steps([shell({ inline: ['touch /root/before-drop'] }), drop, shell({ inline: ['echo ok > /root/after-drop'] })])
    expect(res.error).toBeUndefined()
    expect(await onMachine('test -e /root/before-drop')).toBe('0:')
    expect(lines.some((l) => l.startsWith('message: Machine not reachable'))).toBe(true)
    expect(await onMachine('cat /root/after-drop')).toBe('0:ok')
  })

  it('reports a lost connection as an error without expectDisconnect', async () => {
    const { res } = await steps([shell({ inline: ['pkill -x sshd', 'sleep 5'] })])
    expect(res.outcome).toBe('failed')
    expect((res.error as Error).message).toMatch(/was lost while running inline \(2 commands\)/)
    expect((res.error as { hint?: string }).hint).toMatch(/expectDisconnect: true/)
  })
})

describe('startRetryTimeout', () => {
  it('gives up with a clear error when the machine stays unreachable', async () => {
    // Keep sshd down: PID 1's loop cannot start it again until the binary is back.
    await sshd.exec('mv /usr/sbin/sshd /usr/sbin/sshd.off && pkill -x sshd; true')
    try {
      await disconnected(root)
      // Without startRetryTimeout it would wait 5 minutes, past the test's own time limit.
      const { error, lines } = await provision(shell({ inline: ['true'], startRetryTimeout: '2s' }))
      expect(error?.message).toMatch(/^Could not reach root@127\.0\.0\.1:\d+ within startRetryTimeout \(2s\)/)
      expect(lines.some((l) => l.startsWith('message: Machine not reachable'))).toBe(true)
    } finally {
      await sshd.exec('mv /usr/sbin/sshd.off /usr/sbin/sshd')
      await sshd.waitReady()
    }
    await root.reconnect({ timeoutMs: 20_000 })
    expect((await provision(shell({ inline: ['echo back'] }))).lines).toContain('stdout: back')
  })
})
