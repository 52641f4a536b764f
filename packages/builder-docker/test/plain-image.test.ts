// Packer templates for the docker builder start from stock images, which have no sshd. These
// build examples/docker/packer (a JSON template, the same in HCL2, and the image.ts that
// `tsimg convert` writes) from tsimg/debian-plain:bookworm (debootstrap, python3, no
// openssh-server), through the tsimg CLI as a user runs it, and read back from each committed
// image what the shell, file (directory uploads) and ansible provisioners put there. Packer
// 1.6.6's own docker builder builds the same JSON template, and its image must hold the same.
import { execFile, spawn } from 'node:child_process'
import { access, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { RUN_ID, dockerOut, removeImages } from './helpers.js'

vi.setConfig({ testTimeout: 900_000, hookTimeout: 900_000 })

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const bin = join(root, 'packages', 'core', 'bin', 'tsimg.js')
const EXAMPLE = join(root, 'examples', 'docker', 'packer')
const PLAIN = 'tsimg/debian-plain:bookworm'
const SECRET = `tok-${RUN_ID}-never-printed`
const tag = (what: string) => `tsimg-test/plain-${what}-${RUN_ID}`
const TAGS = ['json', 'hcl', 'ts', 'hcl-ts', 'packer', 'packer-tsimg', 'opts'].map(tag)

let dir: string
let stateDir: string

beforeAll(async () => {
  // Cached by tag: this is quick unless the image is missing (then debootstrap makes it).
  await promisify(execFile)('bash', [join(root, 'scripts', 'make-plain-image.sh')], { maxBuffer: 16 * 1024 * 1024 })
  dir = await mkdtemp(join(tmpdir(), 'tsimg-plain-'))
  stateDir = join(dir, '.state')
  await cp(EXAMPLE, join(dir, 'packer'), { recursive: true })
  await removeImages(...TAGS.map((t) => `${t}:latest`))
})
afterAll(async () => {
  await removeImages(...TAGS.map((t) => `${t}:latest`))
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  code: number | null
  out: string
}

/** Runs a command in the copied example folder (relative paths resolve alike for tsimg and Packer). */
function run(command: string, args: string[], cwd = join(dir, 'packer')): Promise<Run> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, TSIMG_STATE_DIR: stateDir, NO_COLOR: '1', PLAIN_API_TOKEN: SECRET, PACKER_NO_COLOR: '1', CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out })))
}
const tsimg = (...args: string[]) => run(process.execPath, [bin, ...args])

/** Every file and folder the provisioners made (mode, owner, size) and what the files say. */
const LISTING = 'find /srv /etc/app -printf "%p %m %u:%g %s\\n" | sort; cat /srv/app/greeting /srv/app/token /srv/ansible/facts.txt; ls /srv/app'

async function contents(image: string): Promise<string> {
  return dockerOut('run', '--rm', '--pull', 'never', '--entrypoint', '/bin/sh', image, '-c', LISTING)
}

function expected(greeting: string, buildName: string): string {
  return [
    '/etc/app 755 root:root 4096',
    '/etc/app/app.conf 644 root:root 14',
    '/srv 755 root:root 4096',
    '/srv/ansible 755 root:root 4096',
    `/srv/ansible/facts.txt 644 root:root ${`distribution=Debian 12\nbuild=${buildName}\n`.length}`,
    '/srv/app 755 root:root 4096',
    `/srv/app/greeting 644 root:root ${greeting.length + 1}`,
    '/srv/app/token 644 root:root 11',
    '/srv/site 755 root:root 4096',
    '/srv/site/assets 755 root:root 4096',
    '/srv/site/assets/app.css 644 root:root 22',
    '/srv/site/index.html 644 root:root 21',
    greeting,
    // The sensitive variable reached the script's environment...
    'token-seen',
    'distribution=Debian 12',
    `build=${buildName}`,
    // ...and no sshd was ever there (the script would have left /srv/app/sshd).
    'greeting',
    'token',
  ].join('\n')
}

/** The build succeeded through docker exec alone, and no secret reached the output. */
function checkRun(r: Run): void {
  expect(r.out, r.out).toContain('Using docker communicator to connect')
  expect(r.code, r.out).toBe(0)
  expect(r.out).not.toMatch(/Using SSH communicator|Starting sshd/)
  expect(r.out).not.toContain(SECRET)
}

describe('Packer docker templates build from an image without sshd', () => {
  it('the plain image has python3 and no sshd', async () => {
    expect(
      await dockerOut(
        'run',
        '--rm',
        '--pull',
        'never',
        PLAIN,
        'sh',
        '-c',
        'command -v python3; command -v sshd || echo no-sshd; ls /usr/lib/openssh 2>&1 | head -1',
      ),
    ).toMatch(/^\/usr\/bin\/python3\nno-sshd\nls: cannot access/)
  })

  it("the JSON template builds; pull (Packer's default) falls back to the local image offline", async () => {
    const r = await tsimg('build', '-var', `repository=${tag('json')}`, 'plain.json')
    checkRun(r)
    // No registry answers here, and docker.io has no such image anyway: the local one is used.
    expect(r.out).toContain(`Pulling Docker image: ${PLAIN}`)
    expect(r.out).toMatch(new RegExp(`Could not pull ${PLAIN} \\(docker pull failed: .*\\); using the local image`))
    expect(await contents(`${tag('json')}:latest`)).toBe(expected('hello from a Packer JSON template', 'plain'))
    expect(await dockerOut('run', '--rm', '--pull', 'never', `${tag('json')}:latest`)).toBe('hello from a Packer JSON template')
  })

  it('the HCL2 template builds the same image, ansible moving files over exec without being told', async () => {
    const r = await tsimg('build', '-var', `repository=${tag('hcl')}`, 'plain.pkr.hcl')
    checkRun(r)
    expect(await readFile(join(dir, 'packer', 'plain.pkr.hcl'), 'utf8')).not.toContain('ANSIBLE_SSH_TRANSFER_METHOD')
    expect(await contents(`${tag('hcl')}:latest`)).toBe(expected('hello from a Packer HCL2 template', 'plain'))
  })

  it('the image.ts that tsimg convert writes from the JSON template builds the same image', async () => {
    const c = await tsimg('convert', 'plain.json', '-o', 'image.ts')
    expect(c.code, c.out).toBe(0)
    const ts = await readFile(join(dir, 'packer', 'image.ts'), 'utf8')
    // Packer's default pull is written out; the communicator is the docker builder's default.
    expect(ts).toContain('pull: true')
    expect(ts).not.toContain('communicator')
    const r = await tsimg('build', '-var', `repository=${tag('ts')}`, 'image.ts')
    checkRun(r)
    expect(await contents(`${tag('ts')}:latest`)).toBe(expected('hello from a Packer JSON template', 'plain'))
  })

  it('the image.ts that tsimg convert writes from the HCL2 template builds the same image', async () => {
    const c = await tsimg('convert', 'plain.pkr.hcl', '-o', 'hcl.ts')
    expect(c.code, c.out).toBe(0)
    const r = await tsimg('build', '-var', `repository=${tag('hcl-ts')}`, 'hcl.ts')
    checkRun(r)
    expect(await contents(`${tag('hcl-ts')}:latest`)).toBe(expected('hello from a Packer HCL2 template', 'plain'))
  })
})

describe('Packer 1.6.6 and tsimg on the same JSON template', () => {
  it('build images holding the same files, modes and owners', async (ctx) => {
    const packer = await promisify(execFile)('packer', ['version']).catch(() => undefined)
    if (!packer) return ctx.skip()
    expect(packer.stdout).toContain('Packer v1.6.6')
    // The same input for both: no pull (Packer 1.6.6 fails offline where tsimg falls back), and
    // ssh-rsa allowed for Packer 1.6.6's proxy, whose host key OpenSSH 9 refuses by default.
    const t = JSON.parse(await readFile(join(dir, 'packer', 'plain.json'), 'utf8')) as {
      builders: Record<string, unknown>[]
      provisioners: { type: string; ansible_env_vars?: string[] }[]
    }
    t.builders[0]!.pull = false
    t.provisioners
      .find((p) => p.type === 'ansible')!
      .ansible_env_vars!.push('ANSIBLE_SSH_ARGS=-o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedAlgorithms=+ssh-rsa')
    await writeFile(join(dir, 'packer', 'same.json'), JSON.stringify(t, null, 2))

    // Side by side: each builds its own repository from the same template; neither reads what the other writes.
    const [p, r] = await Promise.all([
      run('packer', ['build', '-var', `repository=${tag('packer')}`, 'same.json']),
      tsimg('build', '-var', `repository=${tag('packer-tsimg')}`, 'same.json'),
    ])
    expect(p.code, p.out).toBe(0)
    expect(p.out).toContain('Using docker communicator to connect')
    checkRun(r)
    const fromPacker = await contents(`${tag('packer')}:latest`)
    expect(fromPacker).toBe(expected('hello from a Packer JSON template', 'plain'))
    expect(await contents(`${tag('packer-tsimg')}:latest`)).toBe(fromPacker)
    // Where tsimg deliberately differs: Packer's image keeps the build container's /bin/sh
    // entrypoint; tsimg's gets the source image's back (none here).
    const config = (image: string) => dockerOut('image', 'inspect', '-f', '{{json .Config.Entrypoint}} {{json .Config.Cmd}}', `${image}:latest`)
    expect(await config(tag('packer'))).toBe('["/bin/sh"] ["/bin/cat","/srv/app/greeting"]')
    expect(await config(tag('packer-tsimg'))).toBe('null ["/bin/cat","/srv/app/greeting"]')
  })
})

describe('Packer docker builder options', () => {
  /** Packer's default run_command, exec_user, fix_upload_owner, container_dir and discard, as a template writes them. */
  const template = (repository: string, extra: Record<string, unknown> = {}) => ({
    builders: [
      {
        type: 'docker',
        name: 'opts',
        image: PLAIN,
        commit: true,
        pull: false,
        run_command: ['-d', '-i', '-t', '--entrypoint=/bin/sh', '--', '{{.Image}}'],
        exec_user: 'nobody',
        container_dir: '/tmp/shared',
        // Ignored by Packer with its docker communicator, and so by tsimg.
        ssh_username: 'nobody-over-ssh',
        ...extra,
      },
    ],
    provisioners: [
      { type: 'shell', inline: ['id -un > /tmp/who', 'test -d /tmp/shared && echo mounted > /tmp/container-dir'] },
      { type: 'file', source: 'files/conf/app.conf', destination: '/tmp/uploaded.txt' },
    ],
    'post-processors': [{ type: 'docker-tag', repository, tags: ['latest'] }],
  })

  it('tsimg and Packer 1.6.6 both accept them, and both refuse communicator "winrm"', async (ctx) => {
    const packer = await promisify(execFile)('packer', ['version']).catch(() => undefined)
    await writeFile(join(dir, 'packer', 'opts.json'), JSON.stringify(template(tag('opts'))))
    await writeFile(join(dir, 'packer', 'winrm.json'), JSON.stringify(template(tag('opts'), { communicator: 'winrm' })))
    const ok = await tsimg('validate', 'opts.json')
    expect(ok.code, ok.out).toBe(0)
    const winrm = await tsimg('validate', 'winrm.json')
    expect(winrm.code).toBe(2)
    expect(winrm.out).toMatch(
      /winrm\.json:\d+: builders\[0\] \(docker\): communicator "winrm" is not supported by the docker builder: use "docker" \(docker exec, the default\) or "ssh"/,
    )
    if (!packer) return ctx.skip()
    expect((await run('packer', ['validate', 'opts.json'])).code).toBe(0)
    expect((await run('packer', ['validate', 'winrm.json'])).code).not.toBe(0)
  })

  it('builds with them: commands and uploads as exec_user, container_dir mounted, the run_command entrypoint kept', async () => {
    const r = await tsimg('build', 'opts.json')
    checkRun(r)
    expect(r.out).toContain(`Run command: docker run --label tsimg-build-id=`)
    const mounted = /-v (\/\S+\/tsimg-docker-\w+):\/tmp\/shared -d -i -t --entrypoint=\/bin\/sh -- tsimg\/debian-plain:bookworm\n/.exec(r.out)
    expect(mounted, r.out).not.toBeNull()
    // The host folder was journaled and is gone with its journal entry.
    await expect(access(mounted![1]!)).rejects.toThrow(/ENOENT/)
    expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
    const image = `${tag('opts')}:latest`
    expect(
      await dockerOut(
        'run',
        '--rm',
        '--pull',
        'never',
        '--entrypoint',
        '/bin/sh',
        image,
        '-c',
        'cat /tmp/who /tmp/container-dir; stat -c "%U %a" /tmp/uploaded.txt; ls -A /tmp/shared',
      ),
    ).toBe('nobody\nmounted\nnobody 644')
    // As with Packer: the committed image keeps the entrypoint run_command gave the container.
    expect(await dockerOut('image', 'inspect', '-f', '{{json .Config.Entrypoint}}', image)).toBe('["/bin/sh"]')
    await removeImages(image)
  })
})
