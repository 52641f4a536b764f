import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { manifest } from '@tsimg/core'
import { generateKeyPair } from '@tsimg/core/plugin'
import { file } from '@tsimg/provisioner-file'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, NOTHING, RUN_ID, dockerOut, imageExists, removeImages, runInImage, sandbox, type Sandbox } from './helpers.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const TAG = `tsimg-test/docker-build-${RUN_ID}:latest`
const TAG2 = `tsimg-test/docker-build-${RUN_ID}:second`
const EP_SRC = `tsimg-test/entrypoint-src-${RUN_ID}:1`
const EP_OUT = `tsimg-test/entrypoint-out-${RUN_ID}:1`

let sb: Sandbox
let site: string
let script: string

beforeAll(async () => {
  sb = await sandbox()
  site = join(sb.dir, 'site')
  await mkdir(join(site, 'css'), { recursive: true })
  await writeFile(join(site, 'index.html'), '<p>hello</p>\n')
  await writeFile(join(site, 'css', 'main.css'), 'p{}\n')
  script = join(sb.dir, 'setup.sh')
  await writeFile(script, '#!/bin/sh\nset -e\nprintf "%s/%s\\n" "$APP_NAME" "$APP_VERSION" > /etc/app-release\necho "script ran"\n', { mode: 0o755 })
  await removeImages(TAG, TAG2, EP_SRC, EP_OUT)
})
afterAll(async () => {
  await removeImages(TAG, TAG2, EP_SRC, EP_OUT)
  await sb.dispose()
})

const template = () => ({
  sources: [
    docker({
      name: 'web',
      image: BASE_IMAGE,
      communicator: 'ssh',
      tags: [TAG, TAG2],
      changes: ['CMD ["/bin/cat", "/etc/app-release"]', 'ENV APP_MODE=production', 'EXPOSE 8080'],
      labels: { 'org.example.team': 'images', 'with space': 'a "quoted" value' },
      message: 'built by the test',
      author: 'tsimg tests',
    }),
  ],
  provisioners: [
    // Proves the temporary key was installed while the build ran (so its absence later means something).
    shell({ inline: ['echo "keys during build: $(grep -c tsimg- /root/.ssh/authorized_keys)"', 'mkdir -p /opt/app', 'echo inline > /opt/app/inline.txt'] }),
    shell({ script, environmentVars: { APP_NAME: 'demo', APP_VERSION: '1.2.3' } }),
    file({ source: site, destination: '/srv' }),
    file({ source: `${site}/`, destination: '/var/www' }),
    file({ content: 'from content\n', destination: '/opt/app/content.txt' }),
  ],
  postProcessors: [manifest({ output: join(sb.dir, 'manifest.json') })],
})

describe('docker builder: a full build', () => {
  it('over SSH, commits an image holding what the provisioners put there, and leaves nothing behind', async () => {
    const res = await sb.run({ template: template() })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(b.outcome).toBe('success')
    expect(res.lines).toContain('keys during build: 1')
    expect(res.lines).toContain('Committing the container')

    const artifact = res.artifacts[0]!
    expect(artifact).toMatchObject({ builderType: 'docker', buildName: 'docker.web', description: `Imported Docker image: ${TAG}` })
    expect(artifact.id).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(artifact.data).toMatchObject({ tags: [TAG, TAG2] })
    expect(await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG)).toBe(artifact.id)
    expect(await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG2)).toBe(artifact.id)

    // What the shell and file provisioners made, read back from the committed image.
    const files = await runInImage(TAG, 'cat /opt/app/inline.txt /etc/app-release /opt/app/content.txt; find /srv/site /var/www -type f | sort')
    expect(files.split('\n')).toEqual([
      'inline',
      'demo/1.2.3',
      'from content',
      '/srv/site/css/main.css',
      '/srv/site/index.html',
      '/var/www/css/main.css',
      '/var/www/index.html',
    ])
    // The image's own CMD runs (and is not the build container's keep-alive command).
    expect(await dockerOut('run', '--rm', '--pull', 'never', TAG)).toBe('demo/1.2.3')

    // The temporary public key does not ship: no authorized_keys (the build created it).
    expect(await runInImage(TAG, 'ls -a /root/.ssh 2>&1; cat /root/.ssh/authorized_keys 2>&1 | grep -c tsimg- || true')).toMatch(
      /No such file or directory\n0$/,
    )

    const config = JSON.parse(await dockerOut('image', 'inspect', '--format', '{{json .Config}}', TAG)) as {
      Cmd: string[]
      Entrypoint: string[] | null
      Env: string[]
      Labels: Record<string, string>
      ExposedPorts: Record<string, unknown>
    }
    expect(config.Cmd).toEqual(['/bin/cat', '/etc/app-release'])
    expect(config.Entrypoint ?? null).toBeNull()
    expect(config.Env).toContain('APP_MODE=production')
    expect(Object.keys(config.ExposedPorts)).toContain('8080/tcp')
    expect(config.Labels).toMatchObject({ 'org.example.team': 'images', 'with space': 'a "quoted" value' })
    // Containers run from the image must never look like this build's temporary container.
    expect(config.Labels['tsimg-build-id']).toBe('')
    const meta = await dockerOut('image', 'inspect', '--format', '{{.Comment}}|{{.Author}}', TAG)
    expect(meta).toBe('built by the test|tsimg tests')

    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('refuses to overwrite an existing tag without --force, before creating anything', async () => {
    const before = await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG)
    const res = await sb.run({ template: template() })
    const b = res.builds[0]!
    expect(b.outcome).toBe('failed')
    expect(b.error?.message).toBe(`image ${TAG} already exists; use --force to replace it`)
    expect(res.lines.some((l) => l.startsWith('Starting docker container'))).toBe(false)
    expect(await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG)).toBe(before)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('--force replaces the tags and removes the replaced image', async () => {
    const before = await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG)
    const res = await sb.run({ template: template(), force: true })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(res.lines).toContain(`Force flag found: image ${TAG} (${before.slice(7, 19)}) will be replaced`)
    const after = await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG)
    expect(after).toBe(res.artifacts[0]!.id)
    expect(after).not.toBe(before)
    expect(await dockerOut('image', 'inspect', '--format', '{{.Id}}', TAG2)).toBe(after)
    expect(await imageExists(before)).toBe(false)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('commit: false discards the container and makes no image', async () => {
    const res = await sb.run({
      template: {
        sources: [docker({ name: 'scratch', image: BASE_IMAGE, commit: false, tags: [`tsimg-test/never-made-${RUN_ID}:1`] })],
        provisioners: [shell({ inline: ['true'] })],
      },
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('success')
    expect(res.artifacts).toEqual([])
    expect(res.lines).toContain('Discarding the container (commit: false)')
    expect(await imageExists(`tsimg-test/never-made-${RUN_ID}:1`)).toBe(false)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('builds from an image with an ENTRYPOINT and keeps its entrypoint and command', async () => {
    const src = await sb.run({
      template: {
        sources: [docker({ name: 'ep-src', image: BASE_IMAGE, tags: [EP_SRC], changes: ['ENTRYPOINT ["/bin/echo", "ep:"]', 'CMD ["default"]'] })],
        provisioners: [shell({ inline: ['echo a > /a.txt'] })],
      },
    })
    expect(src.builds[0]!.error?.message).toBeUndefined()
    expect(await dockerOut('run', '--rm', '--pull', 'never', EP_SRC)).toBe('ep: default')

    // The build container cannot run the entrypoint (it would just echo and exit): it is
    // replaced while building and put back at commit.
    const out = await sb.run({
      template: { sources: [docker({ name: 'ep-out', image: EP_SRC, tags: [EP_OUT] })], provisioners: [shell({ inline: ['echo b > /b.txt'] })] },
    })
    const b = out.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(out.lines.find((l) => l.startsWith('Run command:'))).toContain(`--entrypoint /bin/sh ${EP_SRC} -c`)
    expect(await dockerOut('run', '--rm', '--pull', 'never', EP_OUT)).toBe('ep: default')
    expect(await dockerOut('run', '--rm', '--pull', 'never', EP_OUT, 'custom')).toBe('ep: custom')
    expect(await runInImage(EP_OUT, 'cat /a.txt /b.txt')).toBe('a\nb')
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('uses the key the user gives instead of making a temporary one', async () => {
    const pair = generateKeyPair('ed25519', undefined, 'user-key')
    const keyFile = join(sb.dir, 'user_key')
    const authorized = join(sb.dir, 'authorized_keys')
    await writeFile(keyFile, pair.privateKey, { mode: 0o600 })
    await writeFile(authorized, `${pair.publicKey}\n`, { mode: 0o600 })
    const res = await sb.run({
      template: {
        sources: [
          docker({
            name: 'own-key',
            image: BASE_IMAGE,
            communicator: 'ssh',
            commit: false,
            sshPrivateKeyFile: keyFile,
            volumes: { [authorized]: '/root/.ssh/authorized_keys' },
          }),
        ],
        provisioners: [shell({ inline: ['echo "logged in as $(id -un)"'] })],
      },
    })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(res.lines).toContain('logged in as root')
    expect(res.lines.some((l) => /temporary .*key pair/i.test(l))).toBe(false)
    expect(res.lines.some((l) => l.startsWith('Authorizing the temporary SSH key'))).toBe(false)
    expect(await readdir(join(sb.stateDir, 'keys')).catch(() => [])).toEqual([])
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })
})
