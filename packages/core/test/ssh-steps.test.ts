import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  BuildUi,
  FileJournal,
  Redactor,
  clearAuthorizedKeys,
  connectSsh,
  generateKeyPair,
  nonInteractive,
  runSteps,
  sshTargetFromOptions,
  temporaryKeyPair,
  type BaseState,
  type BuildEvent,
  type BuildInfo,
  type SshKeyState,
  type Step,
} from '@tsimg/core/plugin'
import { startSshd, type StartedSshd } from '../../../test/support/sshd.js'

interface State extends BaseState, SshKeyState {
  port?: number
}

const build: BuildInfo = { id: 'ssh-steps-1', name: 'test.ssh', sourceType: 'test', sourceName: 'ssh', force: false, templateDir: '.' }
let stateDir: string
const otherKey = generateKeyPair('ed25519', undefined, 'user-key')
let sshd: StartedSshd | undefined

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-ssh-steps-'))
})
afterAll(async () => {
  await sshd?.stop()
  await rm(stateDir, { recursive: true, force: true })
})

it('temporary key pair + connect, with writeKeyFile: key file is 0600 and journaled while the build runs, and gone after', async () => {
  const journal = await FileJournal.create(build.id, build.name, stateDir)
  const events: BuildEvent[] = []
  const ui = new BuildUi(build.name, (e) => events.push(e), nonInteractive, new Redactor())
  const seen: { mode?: number; journaled?: unknown; whoami?: string[]; keyLine?: string } = {}

  // Plays the builder: start a machine that trusts the temporary public key.
  const startMachine: Step<State> = {
    name: 'test:start-machine',
    async run({ state }) {
      seen.keyLine = state.sshPublicKey
      sshd = await startSshd({ authorizedKeys: [otherKey.publicKey, state.sshPublicKey!] })
      state.port = sshd.port
    },
  }
  const provision: Step<State> = {
    name: 'test:provision',
    async run({ state }) {
      seen.mode = (await stat(state.sshPrivateKeyPath!)).mode & 0o777
      seen.journaled = journal.list().map((r) => ({ plugin: r.plugin, kind: r.kind, data: r.data }))
      const lines: string[] = []
      await state.communicator!.exec('id -un', { onStdout: (l) => lines.push(l) })
      seen.whoami = lines
    },
  }
  const state: State = { generated: {} }
  const res = await runSteps<State>(
    [
      temporaryKeyPair<State>({ keyDir: join(stateDir, 'keys'), writeKeyFile: true }),
      startMachine,
      connectSsh<State>((s) => sshTargetFromOptions({ sshTimeout: '30s' }, { host: '127.0.0.1', port: s.port, privateKey: s.sshPrivateKey })),
      provision,
      clearAuthorizedKeys<State>(true),
    ],
    { state, signal: new AbortController().signal, ui, journal, build },
  )
  expect(res.error).toBeUndefined()
  expect(res.outcome).toBe('success')
  expect(seen.keyLine).toMatch(/^ssh-ed25519 AAAA\S+ tsimg-ssh-steps-1$/)
  expect(seen.mode).toBe(0o600)
  expect(seen.journaled).toEqual([{ plugin: '@tsimg/core', kind: 'file', data: { path: join(stateDir, 'keys', `${build.id}.key`) } }])
  expect(seen.whoami).toEqual(['root'])
  expect(state.generated).toMatchObject({ Host: '127.0.0.1', Port: sshd!.port, User: 'root' })

  // The temporary key left authorized_keys; the user's own key stayed.
  expect((await sshd!.exec('cat /root/.ssh/authorized_keys')).stdout).toBe(`${otherKey.publicKey}\n`)
  // After the build: no key file, no journal entry, connection closed.
  expect(await readdir(join(stateDir, 'keys'))).toEqual([])
  expect(journal.list()).toEqual([])
  expect(state.communicator).toBeUndefined()

  const says = events.flatMap((e) => (e.type === 'ui' ? [e.text] : []))
  expect(says).toEqual(
    expect.arrayContaining([
      'Creating temporary ED25519 SSH key pair...',
      'Using SSH communicator to connect: 127.0.0.1',
      'Connected to SSH!',
      'Deleting temporary SSH key file...',
    ]),
  )
  expect(events.some((e) => e.type === 'wait-start' && e.text === 'Waiting for SSH to become available...')).toBe(true)
  // The private key is never printed.
  expect(JSON.stringify(events)).not.toContain('PRIVATE KEY')
})

it('pauseBeforeConnecting: once SSH answers, the connection is closed, and the provisioners get a new one made after the pause (sshd restarted meanwhile)', async () => {
  const journal = await FileJournal.create('ssh-steps-pause', build.name, stateDir)
  const key = generateKeyPair('ed25519', undefined, 'pause-key')
  const machine = await startSshd({ authorizedKeys: [key.publicKey] })
  let restarted: Promise<void> | undefined
  const events: BuildEvent[] = []
  const ui = new BuildUi(
    build.name,
    (e) => {
      events.push(e)
      // What the pause is for: the machine's boot restarts sshd, dropping every session.
      if (e.type === 'ui' && e.text.startsWith('Pausing ')) restarted = machine.restartSshd()
    },
    nonInteractive,
    new Redactor(),
  )
  const who: string[] = []
  const provision: Step<State> = {
    name: 'test:provision',
    async run({ state }) {
      await state.communicator!.exec('id -un', { onStdout: (l) => who.push(l) })
    },
  }
  try {
    const res = await runSteps<State>(
      [
        connectSsh<State>(() =>
          sshTargetFromOptions({ sshTimeout: '30s', pauseBeforeConnecting: '2s' }, { host: '127.0.0.1', port: machine.port, privateKey: key.privateKey }),
        ),
        provision,
      ],
      { state: { generated: {} }, signal: new AbortController().signal, ui, journal, build: { ...build, id: 'ssh-steps-pause' } },
    )
    expect(res.error).toBeUndefined()
    expect(restarted).toBeDefined()
    await restarted
    expect(who).toEqual(['root'])
    const says = events.flatMap((e) => (e.type === 'ui' ? [e.text] : []))
    expect(says.filter((t) => /^(Pausing|Connected)/.test(t))).toEqual(['Pausing 2 seconds before connecting...', 'Connected to SSH!'])
  } finally {
    await machine.stop()
  }
})

it('by default the temporary key is never written to disk, and any print of it, whole or in part, is redacted', async () => {
  const journal = await FileJournal.create('ssh-steps-4', build.name, stateDir)
  const events: BuildEvent[] = []
  const ui = new BuildUi(build.name, (e) => events.push(e), nonInteractive, new Redactor())
  const keyDir = join(stateDir, 'keys4')
  const state: State = { generated: {} }
  // A careless plugin that prints the key, then one line of it inside an error.
  const leaky: Step<State> = {
    name: 'test:leaky',
    async run({ state: s, ui: u }) {
      u.say(`key is ${s.sshPrivateKey}`)
      throw new Error(`bad key line ${s.sshPrivateKey!.split('\n')[2]}`)
    },
  }
  const res = await runSteps<State>([temporaryKeyPair<State>({ keyDir }), leaky], {
    state,
    signal: new AbortController().signal,
    ui,
    journal,
    build: { ...build, id: 'ssh-steps-4' },
  })
  expect(res.outcome).toBe('failed')
  expect(await readdir(keyDir).catch(() => 'no key folder')).toBe('no key folder')
  expect(journal.list()).toEqual([])
  const shown = JSON.stringify(events)
  expect(shown).toContain('key is <sensitive>')
  expect(shown).toContain('bad key line <sensitive>')
  expect(shown).not.toContain('PRIVATE KEY')
})

it('makes no key pair when the user gave a password, key file or agent', async () => {
  const journal = await FileJournal.create('ssh-steps-2', build.name, stateDir)
  const state: State = { generated: {} }
  const ui = new BuildUi(build.name, () => {}, nonInteractive, new Redactor())
  const res = await runSteps<State>([temporaryKeyPair<State>({ ssh: { sshPassword: 'x' }, keyDir: join(stateDir, 'keys2') })], {
    state,
    signal: new AbortController().signal,
    ui,
    journal,
    build: { ...build, id: 'ssh-steps-2' },
  })
  expect(res.outcome).toBe('success')
  expect(state.sshPublicKey).toBeUndefined()
  expect(journal.list()).toEqual([])
})

it('the key file is removed also when a later step fails', async () => {
  const journal = await FileJournal.create('ssh-steps-3', build.name, stateDir)
  const state: State = { generated: {} }
  const ui = new BuildUi(build.name, () => {}, nonInteractive, new Redactor())
  const keyDir = join(stateDir, 'keys3')
  const res = await runSteps<State>(
    [
      temporaryKeyPair<State>({ keyDir, writeKeyFile: true, temporaryKeyPairType: 'rsa', temporaryKeyPairBits: 2048 }),
      connectSsh<State>(() => sshTargetFromOptions({ sshTimeout: '1s' }, { host: '', privateKey: state.sshPrivateKey })),
    ],
    { state, signal: new AbortController().signal, ui, journal, build: { ...build, id: 'ssh-steps-3' } },
  )
  expect(res.outcome).toBe('failed')
  expect(String((res.error as Error).message)).toMatch(/no host address/)
  expect(await readdir(keyDir)).toEqual([])
  expect(journal.list()).toEqual([])
})
