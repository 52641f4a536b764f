// The shell-local provisioner: commands on this machine, in provisioner order, with the build's
// names and the machine's address in their environment.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { breakpoint, shellLocalProvisioner } from '@tsimg/core'
import {
  BuildUi,
  FileJournal,
  Redactor,
  TemplateError,
  nonInteractive,
  provisionStep,
  runSteps,
  type BaseState,
  type BuildEvent,
  type BuildInfo,
  type ProvisionerPlugin,
  type Step,
} from '@tsimg/core/plugin'
import { unreachableCommunicator } from './fixtures/unreachable-communicator.ts'

const build: BuildInfo = { id: 'b-7', name: 'images.docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: '.' }
// shell-local never touches the machine: any use of the communicator fails the test.
const communicator = unreachableCommunicator('admin@10.1.2.3:2222', 'shell-local must not use the communicator')
const connect: Step<BaseState> = {
  name: 'test:connect',
  async run(ctx) {
    ctx.state.communicator = communicator
    Object.assign(ctx.state.generated, { Host: '10.1.2.3', Port: 2222, User: 'admin' })
  },
}

let dir: string
let events: BuildEvent[]
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-shell-local-prov-'))
  events = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function run(provisioners: ProvisionerPlugin<any>[], connected = true) {
  const journal = await FileJournal.create('b-7', build.name, join(dir, 'state'))
  const ui = new BuildUi(build.name, (e) => events.push(e), nonInteractive, new Redactor())
  const steps = [...(connected ? [connect] : []), provisionStep({ templateDir: dir, provisioners })]
  return runSteps(steps, { state: { generated: {} }, signal: new AbortController().signal, ui, journal, build })
}

/** A provisioner that appends its name to order.txt, to see where shell-local ran. */
const marker = (name: string): ProvisionerPlugin => ({
  kind: 'provisioner',
  type: 'test',
  options: {},
  provision: async () => {
    const { appendFile } = await import('node:fs/promises')
    await appendFile(join(dir, 'order.txt'), `${name}\n`)
  },
})

describe('shell-local provisioner', () => {
  it('runs in provisioner order, in the template directory, with the build names and the machine address in its environment', async () => {
    const res = await run([
      marker('before'),
      shellLocalProvisioner({
        inline: [
          'echo local >> order.txt',
          'echo "$PACKER_BUILD_NAME $PACKER_BUILDER_TYPE $TSIMG_BUILD_NAME $TSIMG_BUILD_ID $TSIMG_USER@$TSIMG_HOST:$TSIMG_PORT $EXTRA" > env.txt',
        ],
        environmentVars: ['EXTRA=from-template'],
      }),
      marker('after'),
    ])
    expect(res.error).toBeUndefined()
    expect(await readFile(join(dir, 'order.txt'), 'utf8')).toBe('before\nlocal\nafter\n')
    expect(await readFile(join(dir, 'env.txt'), 'utf8')).toBe('web docker images.docker.web b-7 admin@10.1.2.3:2222 from-template\n')
    expect(events.some((e) => e.type === 'ui' && e.text === 'Running local shell script: inline')).toBe(true)
  })

  it('fails the provisioning on an exit code not in validExitCodes, and the later provisioners do not run', async () => {
    const res = await run([shellLocalProvisioner({ command: 'exit 4' }), marker('after')])
    expect(res.error?.message).toContain('shell-local: erroneous exit code 4 while executing exit 4')
    await expect(readFile(join(dir, 'order.txt'), 'utf8')).rejects.toThrow()
    const ok = await run([shellLocalProvisioner({ command: 'exit 4', validExitCodes: [4] }), marker('after')])
    expect(ok.error).toBeUndefined()
  })

  it('runs in a build without a connection (communicator none), where a provisioner that needs the machine is refused before any runs', async () => {
    const ok = await run([shellLocalProvisioner({ inline: ['echo local >> order.txt'] }), breakpoint({ note: 'look' })], false)
    expect(ok.error).toBeUndefined()
    expect(await readFile(join(dir, 'order.txt'), 'utf8')).toBe('local\n')
    const refused = await run([shellLocalProvisioner({ inline: ['echo again >> order.txt'] }), marker('remote')], false)
    expect(refused.error?.message).toContain('Cannot provision: test needs a connection to the machine, and this build has none')
    expect(await readFile(join(dir, 'order.txt'), 'utf8')).toBe('local\n')
  })

  it('refuses at validate time an unreadable script, two command kinds, or an unknown option, naming the field', async () => {
    const ctx = { templateDir: dir, templateFile: 'image.ts', path: 'provisioners[2]' }
    const refusal = async (p: ProvisionerPlugin<any>) => {
      try {
        await p.validate?.(ctx)
      } catch (err) {
        return err
      }
      return undefined
    }
    const missing = await refusal(shellLocalProvisioner({ scripts: ['nope.sh'] }))
    expect(missing).toBeInstanceOf(TemplateError)
    expect((missing as TemplateError).field).toBe('provisioners[2].scripts[0]')
    expect(String((missing as Error).message)).toContain(join(dir, 'nope.sh'))
    expect(String(((await refusal(shellLocalProvisioner({ inline: ['true'], command: 'true' }))) as Error).message)).toBe(
      'image.ts: provisioners[2]: set exactly one of inline, command, script, scripts (got inline, command)',
    )
    const unknown = await refusal(shellLocalProvisioner({ inline: ['true'], keepInputArtifact: true } as never))
    expect(unknown).toBeInstanceOf(TemplateError)
    expect((unknown as TemplateError).field).toContain('keepInputArtifact')
  })
})
