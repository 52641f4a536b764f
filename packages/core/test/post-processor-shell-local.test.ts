import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { shellLocal } from '@tsimg/core'
import { build, TemplateError, type BuildEvent } from '@tsimg/core/node'
import { touch } from './fixtures/templates/lib/touch-source.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-shell-local-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = (pp: ReturnType<typeof shellLocal>, events: BuildEvent[] = []) =>
  build({ template: { sources: [touch({ name: 'web', dir })], postProcessors: [pp] }, cwd: dir, stateDir: join(dir, 'state'), onEvent: (e) => events.push(e) })

describe('shell-local post-processor', () => {
  it('runs inline commands locally with the build variables and streams output lines to the build', async () => {
    const events: BuildEvent[] = []
    const res = await run(
      shellLocal({
        inline: [
          'echo "name=$PACKER_BUILD_NAME type=$PACKER_BUILDER_TYPE"',
          'echo "tsimg=$TSIMG_BUILD_NAME artifact=$TSIMG_ARTIFACT_ID" > out.txt',
          'echo "custom=$GREETING" >&2',
        ],
        environmentVars: ['GREETING=hello world'],
      }),
      events,
    )
    expect(res.builds[0]?.outcome).toBe('success')
    // Ran in the template directory, for real.
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe(`tsimg=touch.web artifact=file:${join(dir, 'web.artifact')}\n`)
    const ui = events.filter((e) => e.type === 'ui' && e.build === 'touch.web')
    expect(ui).toContainEqual(expect.objectContaining({ level: 'stdout', text: 'name=web type=touch' }))
    expect(ui).toContainEqual(expect.objectContaining({ level: 'stderr', text: 'custom=hello world' }))
  })

  it('runs scripts relative to the template directory, with a custom executeCommand', async () => {
    await writeFile(join(dir, 'post.sh'), 'echo "script sees $TSIMG_BUILD_NAME and $1" > script-out.txt\n', { mode: 0o644 })
    const res = await run(shellLocal({ script: 'post.sh', executeCommand: ['/bin/sh', '-c', '{{.Vars}} sh {{.Script}} arg1'] }))
    expect(res.builds[0]?.outcome).toBe('success')
    expect(await readFile(join(dir, 'script-out.txt'), 'utf8')).toBe('script sees touch.web and arg1\n')
    // The user's script ran from a copy: its own mode is untouched.
    expect((await stat(join(dir, 'post.sh'))).mode & 0o777).toBe(0o644)
    await writeFile(join(dir, 'exec.sh'), '#!/bin/sh\necho "default execute command, $PACKER_BUILDER_TYPE" > exec-out.txt\n', { mode: 0o644 })
    expect((await run(shellLocal({ scripts: ['exec.sh'] }))).builds[0]?.outcome).toBe('success')
    expect(await readFile(join(dir, 'exec-out.txt'), 'utf8')).toBe('default execute command, touch\n')
  })

  it('fails the build on a bad exit code unless it is listed in validExitCodes, and cleans its temp script', async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith('tsimg-shell-local-')).length
    let res = await run(shellLocal({ command: 'exit 3' }))
    expect(res.builds[0]?.outcome).toBe('failed')
    expect(res.builds[0]?.error?.message).toBe('shell-local: erroneous exit code 3 while executing exit 3')
    res = await run(shellLocal({ command: 'exit 3', validExitCodes: [0, 3] }))
    expect(res.builds[0]?.outcome).toBe('success')
    expect((await readdir(tmpdir())).filter((f) => f.startsWith('tsimg-shell-local-')).length).toBe(before)
  })

  it('onlyOn skips other platforms', async () => {
    const events: BuildEvent[] = []
    const res = await run(shellLocal({ command: 'touch ran.txt', onlyOn: ['plan9'] }), events)
    expect(res.builds[0]?.outcome).toBe('success')
    expect(await readdir(dir)).not.toContain('ran.txt')
    expect(events).toContainEqual(expect.objectContaining({ type: 'ui', text: expect.stringContaining('Skipping shell-local') }))
  })

  it('rejects an unreadable script and conflicting options before building', async () => {
    for (const [pp, text] of [
      [shellLocal({ scripts: ['nope.sh'] }), 'postProcessors[0].scripts[0]: cannot read script'],
      [shellLocal({ inline: ['true'], command: 'true' }), 'set exactly one of inline, command, script, scripts (got inline, command)'],
    ] as const) {
      const err = await run(pp).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TemplateError)
      expect((err as Error).message).toContain(text)
    }
    expect(await readdir(dir)).toEqual([])
  })
})
