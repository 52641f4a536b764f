/**
 * The engine with the real docker builder and shell provisioner: two sources of one template
 * build at the same time, each gets its own build id, container and key, the manifest gets
 * both images, and nothing temporary is left.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { defineTemplate, manifest, shellLocal, variable } from '@tsimg/core'
import { build, type ManifestFile } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const exec = promisify(execFile)
const dockerOut = async (...args: string[]) => (await exec('docker', args)).stdout.trim()
const TAGS = { one: 'tsimg/engine-parallel-one:test', two: 'tsimg/engine-parallel-two:test' }

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-engine-docker-'))
})
afterAll(async () => {
  for (const tag of Object.values(TAGS)) await exec('docker', ['rmi', '-f', tag]).catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
})

const template = defineTemplate({
  variables: {
    names: variable.list({ default: ['one', 'two'] }),
    marker: variable.string({ default: 'sekret-marker-77', sensitive: true }),
  },
  build: ({ vars }) => ({
    sources: vars.names.map((name) => docker({ name, image: 'tsimg/debian-ssh:bookworm', tags: [TAGS[name as 'one' | 'two']] })),
    provisioners: [
      shell({
        inline: ['date +%s%N > /started', 'sleep 2', 'date +%s%N > /finished', `echo "marker ${vars.marker}"`],
      }),
    ],
    postProcessors: [manifest({ output: join(dir, 'manifest.json') }), shellLocal({ inline: ['echo "$TSIMG_BUILD_NAME $TSIMG_ARTIFACT_ID" >> built.txt'] })],
  }),
})

describe('parallel docker builds through build()', () => {
  it('overlap in time, produce both images, and leave no container, key or journal', async () => {
    const stateDir = join(dir, 'state')
    const lines: string[] = []
    const res = await build({
      template,
      cwd: dir,
      stateDir,
      onEvent: (e) => {
        if (e.type === 'ui') lines.push(`${e.build}: ${e.text}`)
      },
    })
    expect(res.builds.map((b) => [b.name, b.outcome, b.error?.message])).toEqual([
      ['docker.one', 'success', undefined],
      ['docker.two', 'success', undefined],
    ])

    // Timestamps written inside each image: the provisioning of one overlapped the other's.
    const times = async (tag: string) =>
      (await dockerOut('run', '--rm', '--entrypoint', '/bin/sh', tag, '-c', 'cat /started /finished')).split('\n').map((n) => BigInt(n))
    const [s1, f1] = await times(TAGS.one)
    const [s2, f2] = await times(TAGS.two)
    expect(s1! < f2! && s2! < f1!).toBe(true)

    const doc = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ManifestFile
    expect(doc.builds.map((b) => [b.name, b.builder_type, b.artifact_id]).sort()).toEqual(
      res.artifacts.map((a) => [a.buildName.split('.')[1], 'docker', a.id]).sort(),
    )
    expect((await readFile(join(dir, 'built.txt'), 'utf8')).trim().split('\n').sort()).toEqual(res.artifacts.map((a) => `${a.buildName} ${a.id}`).sort())

    // The sensitive variable was echoed by the remote command, and redacted in the output.
    expect(lines).toContain('docker.one: marker <sensitive>')
    expect(lines.join('\n')).not.toContain('sekret-marker-77')

    for (const b of res.builds) {
      expect(await dockerOut('ps', '-aq', '--filter', `label=tsimg-build-id=${b.buildId}`)).toBe('')
      expect(b.leftovers).toEqual([])
    }
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
  }, 180_000)
})
