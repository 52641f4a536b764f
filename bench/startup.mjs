// Whole-command start-up against HashiCorp Packer 1.6.6, in the same run: `validate` of the
// docker and amazon-ebs examples (type-check cached, and first type-check with an empty cache),
// and a whole one-provisioner build (tsimg's `ssh` source and Packer's `null` builder on the
// same sshd container: the same work, without a docker commit that would dwarf start-up).
// Each command runs REPS times, tsimg and Packer interleaved, under /usr/bin/time for CPU, with
// the peak RSS of its whole process tree (tree-rss.mjs: child processes, such as tsimg's native
// TypeScript compiler or Packer's plugin processes, count too);
// the median is kept. Ratios are tsimg/Packer; each aim prints ok, or by how much it is missed.
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { sampleTree } from './tree-rss.mjs'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSIMG = join(ROOT, 'packages/core/bin/tsimg.js')
const REPS = Number(process.env.BENCH_STARTUP_REPS || 5)
const TIME = '/usr/bin/time'

/** Packer JSON doing what examples/docker/image.ts does (same files checked). */
function packerDocker() {
  const ex = join(ROOT, 'examples/docker')
  return {
    builders: [
      {
        type: 'docker',
        image: 'tsimg/debian-ssh:bookworm',
        commit: true,
        changes: ['CMD ["/usr/local/bin/tsimg-example"]', 'WORKDIR /srv/site', 'ENV TSIMG_EXAMPLE=1'],
        message: 'tsimg example build',
        author: 'tsimg',
      },
    ],
    provisioners: [
      { type: 'shell', inline: ['mkdir -p /etc/tsimg /srv', 'echo built > /etc/tsimg/built'] },
      { type: 'file', source: join(ex, 'files/site'), destination: '/srv' },
      { type: 'file', source: join(ex, 'files/conf/'), destination: '/etc/tsimg/conf.d' },
      { type: 'shell', script: join(ex, 'scripts/setup.sh'), environment_vars: ['GREETING=hello', 'RELEASE=example-{{timestamp}}'] },
    ],
    'post-processors': [{ type: 'manifest', output: 'manifest.json', strip_path: true }],
  }
}

/** Packer JSON doing what examples/aws/image.ts does; skip_region_validation keeps it off the network. */
function packerAws() {
  return {
    builders: [
      {
        type: 'amazon-ebs',
        region: 'us-east-1',
        skip_region_validation: true,
        source_ami_filter: { filters: { name: 'debian-12-amd64-tsimg-base', 'virtualization-type': 'hvm' }, owners: ['136693071363'], most_recent: true },
        instance_type: 't3.micro',
        temporary_security_group_source_cidrs: ['0.0.0.0/0'],
        ssh_username: 'admin',
        ami_name: 'tsimg-example-web-{{timestamp}}',
        ami_description: 'Debian 12 with tsimg markers',
        run_tags: { Purpose: 'tsimg example build' },
        tags: { Name: 'tsimg-example-web', OS: 'debian-12', Builder: 'tsimg' },
      },
    ],
    provisioners: [
      { type: 'file', source: join(ROOT, 'examples/aws/files/motd'), destination: '/tmp/motd' },
      { type: 'shell', inline: ['sudo install -m 0644 /tmp/motd /etc/motd'] },
    ],
    'post-processors': [{ type: 'manifest', output: 'manifest.json', strip_path: true }],
  }
}

/**
 * One command under /usr/bin/time: wall ms (measured here), CPU ms (user + system, children
 * included: less disturbed by other processes on a shared machine than wall time) and memory of
 * the whole process tree (tree-rss.mjs: tsimg's child compiler and Packer's plugin processes
 * count): `mb` its peak at one moment (the largest sum of the tree's RSS in one sample, or
 * time's %M, the largest single process, if that is more), `sumMb` the sum of every process's
 * own peak (an upper bound: as if all peaked together).
 */
function measure(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    let sampler
    const child = execFile(TIME, ['-f', 'PEAK_KB=%M CPU_S=%U+%S', cmd, ...args], opts, async (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      const tree = await sampler.stop()
      if (err) {
        const said = `${stdout ?? ''}${stderr ?? ''}`.trim().split('\n').slice(-8).join('\n')
        return reject(new Error(`${cmd} ${args.join(' ')} failed:\n${said || err.message}`))
      }
      const [, kb, user, sys] = /PEAK_KB=(\d+) CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr) ?? []
      const maxMb = Number(kb) / 1024
      // A process too short-lived for the sampler is still in time's %M.
      resolve({ ms, cpu: (Number(user) + Number(sys)) * 1000, mb: Math.max(tree.liveMb, maxMb), sumMb: Math.max(tree.peakMb, maxMb), procs: tree.procs })
    })
    sampler = sampleTree(child.pid)
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Runs every case REPS times, tsimg and Packer interleaved (order flipped every rep) so that
 * the load of a shared machine falls on both alike. `prep` runs untimed before each tsimg run.
 */
async function compare(cases, log) {
  const results = []
  for (const c of cases) {
    const t = [],
      p = []
    for (let i = 0; i < REPS; i++) {
      const pair = [
        async () => {
          await c.prep?.()
          t.push(await c.tsimg())
        },
        async () => p.push(await c.packer()),
      ]
      for (const f of i % 2 ? pair.reverse() : pair) await f()
    }
    const r = {
      name: c.name,
      tsimgMs: median(t.map((x) => x.ms)),
      packerMs: median(p.map((x) => x.ms)),
      tsimgCpu: median(t.map((x) => x.cpu)),
      packerCpu: median(p.map((x) => x.cpu)),
      tsimgMb: median(t.map((x) => x.mb)),
      packerMb: median(p.map((x) => x.mb)),
      tsimgSumMb: median(t.map((x) => x.sumMb)),
      packerSumMb: median(p.map((x) => x.sumMb)),
      aims: c.aims,
    }
    const tree = (xs) => xs.at(-1).procs.join(' + ') || '?'
    log(
      `${c.name}: tsimg ${r.tsimgMs.toFixed(0)} ms ${r.tsimgMb.toFixed(0)} MB (each process's peak, last run: ${tree(t)}), packer ${r.packerMs.toFixed(0)} ms ${r.packerMb.toFixed(0)} MB (${tree(p)})`,
    )
    results.push(r)
  }
  return results
}

export async function haveTime() {
  try {
    await run(TIME, ['-f', '%M', 'true'])
    return true
  } catch {
    return false
  }
}

/**
 * Returns the report's lines. `peer` is the sshd container of run.mjs ({ host, port, keyFile }),
 * `dir` a scratch directory removed by the caller.
 */
export async function benchStartup({ host, port, keyFile, dir, log }) {
  const work = join(dir, 'startup')
  const cache = join(work, 'cache')
  await mkdir(work, { recursive: true })
  const files = {
    dockerJson: join(work, 'docker.json'),
    awsJson: join(work, 'aws.json'),
    nullJson: join(work, 'null.json'),
    sshTs: join(work, 'image.ts'),
  }
  await writeFile(files.dockerJson, JSON.stringify(packerDocker(), null, 2))
  await writeFile(files.awsJson, JSON.stringify(packerAws(), null, 2))
  await writeFile(
    files.nullJson,
    JSON.stringify({
      builders: [{ type: 'null', ssh_host: host, ssh_port: port, ssh_username: 'root', ssh_private_key_file: keyFile }],
      provisioners: [{ type: 'shell', inline: ['true'] }],
    }),
  )
  await writeFile(
    files.sshTs,
    [
      `import { defineTemplate, sshHost } from '@tsimg/core'`,
      `import { shell } from '@tsimg/provisioner-shell'`,
      `export default defineTemplate({`,
      `  build: () => ({`,
      `    sources: [sshHost({ name: 'bench', host: ${JSON.stringify(host)}, sshPort: ${port}, sshUsername: 'root', sshPrivateKeyFile: ${JSON.stringify(keyFile)} })],`,
      `    provisioners: [shell({ inline: ['true'] })],`,
      `  }),`,
      `})`,
      '',
    ].join('\n'),
  )
  // The bench template imports @tsimg/* from its temp folder: resolved by the CLI's own fallback.
  // Packer must not phone home (checkpoint) or read a user's plugins; tsimg keeps its state and cache here.
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PACKER_CONFIG_DIR: work,
    PACKER_CACHE_DIR: join(work, 'pcache'),
    TSIMG_STATE_DIR: join(work, 'state'),
    TSIMG_CACHE_DIR: cache,
    NO_COLOR: '1',
    AWS_REGION: 'us-east-1',
  }
  delete env.TSIMG_AWS_ENDPOINT
  const opts = { env, cwd: work, maxBuffer: 1 << 24 }
  const tsimg =
    (...args) =>
    () =>
      measure(process.execPath, [TSIMG, ...args], opts)
  const packer =
    (...args) =>
    () =>
      measure('packer', args, opts)
  const dropCache = () => rm(cache, { recursive: true, force: true })
  const docker = join(ROOT, 'examples/docker/image.ts')
  const aws = join(ROOT, 'examples/aws/image.ts')

  // Each must succeed once (and fill the type-check cache) before anything is timed.
  for (const f of [
    tsimg('validate', docker),
    tsimg('validate', aws),
    tsimg('build', '-color=false', files.sshTs),
    packer('validate', files.dockerJson),
    packer('validate', files.awsJson),
    packer('build', '-color=false', files.nullJson),
  ])
    await f()
  log('start-up: every command succeeded once; timing')

  const validateAims = [
    { what: 'time', ratio: 1.0 },
    { what: 'memory', mb: 100 },
  ]
  const firstAims = [
    { what: 'time', ms: 1000 },
    { what: 'memory', mb: 100 },
  ]
  const results = await compare(
    [
      { name: 'validate docker (type-check cached)', tsimg: tsimg('validate', docker), packer: packer('validate', files.dockerJson), aims: validateAims },
      { name: 'validate amazon-ebs (type-check cached)', tsimg: tsimg('validate', aws), packer: packer('validate', files.awsJson), aims: validateAims },
      {
        name: 'validate docker (first type-check)',
        prep: dropCache,
        tsimg: tsimg('validate', docker),
        packer: packer('validate', files.dockerJson),
        aims: firstAims,
      },
      {
        name: 'validate amazon-ebs (first type-check)',
        prep: dropCache,
        tsimg: tsimg('validate', aws),
        packer: packer('validate', files.awsJson),
        aims: firstAims,
      },
      {
        name: 'whole build, 1 shell provisioner (ssh/null)',
        tsimg: tsimg('build', '-color=false', files.sshTs),
        packer: packer('build', '-color=false', files.nullJson),
        aims: [{ what: 'time', ratio: 1.0 }],
      },
    ],
    log,
  )
  return report(results)
}

function verdict(aim, r) {
  if (aim.what === 'memory') {
    const over = r.tsimgMb - aim.mb
    return `tree peak <= ${aim.mb} MB: ${over <= 0 ? 'ok' : `MISSED by ${over.toFixed(0)} MB`}`
  }
  if (aim.ms !== undefined) {
    const over = r.tsimgMs - aim.ms
    return `<= ${aim.ms / 1000} s: ${over <= 0 ? 'ok' : `MISSED by ${(over / 1000).toFixed(2)} s`}`
  }
  const ratio = r.tsimgMs / r.packerMs
  return `<= ${aim.ratio.toFixed(1)}x: ${ratio <= aim.ratio ? 'ok' : `MISSED by ${(ratio - aim.ratio).toFixed(2)}x (${(r.tsimgMs - r.packerMs * aim.ratio).toFixed(0)} ms)`}`
}

function report(results) {
  const head = [
    'command (median of ' + REPS + ')',
    'tsimg',
    'packer 1.6.6',
    'ratio',
    'CPU tsimg / packer',
    'ratio',
    'peak RSS, process tree tsimg / packer',
    'ratio',
    'sum of process peaks',
    'aims (time: wall; memory: the tree at one moment)',
  ]
  const rows = results.map((r) => [
    r.name,
    `${r.tsimgMs.toFixed(0)} ms`,
    `${r.packerMs.toFixed(0)} ms`,
    `${(r.tsimgMs / r.packerMs).toFixed(2)}x`,
    `${r.tsimgCpu.toFixed(0)} / ${r.packerCpu.toFixed(0)} ms`,
    `${(r.tsimgCpu / r.packerCpu).toFixed(2)}x`,
    `${r.tsimgMb.toFixed(0)} / ${r.packerMb.toFixed(0)} MB`,
    `${(r.tsimgMb / r.packerMb).toFixed(2)}x`,
    `${r.tsimgSumMb.toFixed(0)} / ${r.packerSumMb.toFixed(0)} MB`,
    r.aims.map((a) => verdict(a, r)).join('; '),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((l) => l[i].length)))
  return [head, widths.map((w) => '-'.repeat(w)), ...rows].map((l) =>
    l
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  )
}
