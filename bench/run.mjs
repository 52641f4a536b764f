// npm run bench: our SSH communicator against OpenSSH (scp, sftp, ssh) on one local sshd
// container, in the same run: one 256 MiB file, a tree of 5,000 small files, and the
// per-command overhead; then the shell provisioner against Packer 1.6.6 on the same container
// (when `packer` is installed), and whole-command start-up against Packer (bench/startup.mjs).
// BENCH_ONLY=startup runs only the start-up part. Prints times and ratios; removes the
// container and temp files.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile, open } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { SshCommunicator, generateKeyPair } from '@tsimg/core/plugin'
import { benchAgainstPacker, havePacker } from './packer-peer.mjs'
import { benchStartup, haveTime } from './startup.mjs'

const run = promisify(execFile)
const IMAGE = process.env.TSIMG_BASE_IMAGE || 'tsimg/debian-ssh:bookworm'
const BIG_MIB = Number(process.env.BENCH_BIG_MIB || 256)
const TREE_FILES = Number(process.env.BENCH_TREE_FILES || 5000)
const CMDS = Number(process.env.BENCH_COMMANDS || 100)
const REPS = Number(process.env.BENCH_REPS || 3)
const ONLY = process.env.BENCH_ONLY || ''

const dir = await mkdtemp(join(tmpdir(), 'tsimg-bench-'))
let containerId
const rows = []
const started = Date.now()
// Ctrl-C must not leave the container or the 256 MiB file behind.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    log(`${sig}: cleaning up`)
    if (containerId) await run('docker', ['rm', '-f', containerId]).catch(() => {})
    await rm(dir, { recursive: true, force: true })
    process.exit(130)
  })
}

function log(s) {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${s}\n`)
}

async function waitBanner(host, port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = createConnection({ host, port })
      const t = setTimeout(() => (s.destroy(), resolve(false)), 2000)
      s.once('data', (d) => (clearTimeout(t), s.destroy(), resolve(d.toString().startsWith('SSH-'))))
      s.once('error', () => (clearTimeout(t), resolve(false)))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error('sshd did not come up')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Best of REPS runs of each contender, interleaved (ours, peer, peer, ours, ...) so that
 * load from other processes on the machine hits all of them alike; prep runs untimed before each.
 */
async function race(contenders, prep) {
  const mins = contenders.map(() => Infinity)
  for (let i = 0; i < REPS; i++) {
    const order = contenders.map((_, k) => k)
    if (i % 2) order.reverse()
    for (const k of order) {
      if (prep) await prep()
      const t0 = process.hrtime.bigint()
      await contenders[k]()
      mins[k] = Math.min(mins[k], Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  return mins
}

function fmt(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`
}

try {
  // --- machine and key
  const key = generateKeyPair('ed25519', undefined, 'tsimg-bench')
  const keyFile = join(dir, 'id_ed25519')
  await writeFile(keyFile, key.privateKey, { mode: 0o600 })
  const setup = `mkdir -p /root/.ssh /run/sshd && echo '${key.publicKey}' > /root/.ssh/authorized_keys && chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys && ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e`
  containerId = (await run('docker', ['run', '-d', '--label', 'tsimg.bench=1', '-p', '127.0.0.1::22', IMAGE, '/bin/sh', '-c', setup])).stdout.trim()
  const portLine = (await run('docker', ['port', containerId, '22/tcp'])).stdout.trim().split('\n')[0]
  const port = Number(portLine.split(':').pop())
  const host = '127.0.0.1'
  await waitBanner(host, port)
  log(`sshd container ${containerId.slice(0, 12)} on ${host}:${port}`)

  const sshOpts = [
    '-i',
    keyFile,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
  ]
  const ssh = (args, cmd) => run('ssh', [...sshOpts, ...args, '-p', String(port), `root@${host}`, cmd], { maxBuffer: 1 << 24 })
  const remote = (cmd) => ssh([], cmd)

  let mib, bigOurs, bigScp, bigSftp
  if (ONLY !== 'startup') {
    // --- data
    const big = join(dir, 'big.bin')
    {
      const fh = await open(big, 'w')
      const chunk = randomBytes(8 << 20)
      for (let i = 0; i < BIG_MIB / 8; i++) await fh.write(chunk.map((b) => b ^ i))
      await fh.close()
    }
    const tree = join(dir, 'tree')
    const perDir = 100
    for (let d = 0; d < TREE_FILES / perDir; d++) {
      const sub = join(tree, `dir${String(d).padStart(3, '0')}`)
      await mkdir(sub, { recursive: true })
      await Promise.all(
        Array.from({ length: perDir }, (_, f) => writeFile(join(sub, `file${f}.txt`), randomBytes(256 + ((d * perDir + f) % 3840)).toString('base64'))),
      )
    }
    log(`made ${BIG_MIB} MiB file and ${TREE_FILES}-file tree`)

    const comm = await SshCommunicator.connect({
      host,
      port,
      username: 'root',
      privateKey: key.privateKey,
      timeoutMs: 30_000,
      handshakeAttempts: 3,
      keepAliveIntervalMs: 5000,
      hostKeyPolicy: 'accept-any',
    })
    const clean = () => remote('rm -rf /root/b && mkdir -p /root/b')

    // --- one big file
    await writeFile(join(dir, 'put-big.batch'), `put ${big} /root/b/big.bin\n`)
    ;[bigOurs, bigScp, bigSftp] = await race(
      [
        () => comm.uploadFile(big, '/root/b/big.bin'),
        () => run('scp', ['-q', ...sshOpts, '-P', String(port), big, `root@${host}:/root/b/big.bin`]),
        () => run('sftp', ['-q', ...sshOpts, '-P', String(port), '-b', join(dir, 'put-big.batch'), `root@${host}`]),
      ],
      clean,
    )
    const sum = (await remote('sha256sum /root/b/big.bin')).stdout.split(' ')[0]
    await comm.uploadFile(big, '/root/b/big.bin')
    if ((await remote('sha256sum /root/b/big.bin')).stdout.split(' ')[0] !== sum) throw new Error("our upload differs from sftp's")
    mib = BIG_MIB
    rows.push(['upload 1 file', `${mib} MiB`, bigOurs, bigScp, 'scp'], ['upload 1 file', `${mib} MiB`, bigOurs, bigSftp, 'sftp'])
    log('big file done')

    // --- tree of small files
    await writeFile(join(dir, 'put-tree.batch'), `put -r ${tree} /root/b/tree\n`)
    await clean()
    await comm.uploadDir(tree, '/root/b/tree')
    const n = Number((await remote('find /root/b/tree -type f | wc -l')).stdout.trim())
    if (n !== TREE_FILES) throw new Error(`our tree upload left ${n} files, expected ${TREE_FILES}`)
    const [treeOurs, treeScp, treeSftp] = await race(
      [
        () => comm.uploadDir(tree, '/root/b/tree'),
        () => run('scp', ['-q', '-r', ...sshOpts, '-P', String(port), tree, `root@${host}:/root/b/tree`]),
        () => run('sftp', ['-q', ...sshOpts, '-P', String(port), '-b', join(dir, 'put-tree.batch'), `root@${host}`]),
      ],
      clean,
    )
    rows.push(['upload tree', `${TREE_FILES} files`, treeOurs, treeScp, 'scp -r'], ['upload tree', `${TREE_FILES} files`, treeOurs, treeSftp, 'sftp put -r'])
    log('tree done')

    // --- per-command overhead
    const ctl = join(dir, 'ctl')
    await run('ssh', [...sshOpts, '-M', '-S', ctl, '-o', 'ControlPersist=120', '-fN', '-p', String(port), `root@${host}`])
    const fresh = Math.max(5, Math.round(CMDS / 5))
    const [oursAll, muxAll, freshAll] = await race([
      async () => {
        for (let i = 0; i < CMDS; i++) await comm.exec('true')
      },
      async () => {
        for (let i = 0; i < CMDS; i++) await ssh(['-S', ctl], 'true')
      },
      async () => {
        for (let i = 0; i < fresh; i++) await ssh([], 'true')
      },
    ])
    const cmdOurs = oursAll / CMDS
    const cmdMux = muxAll / CMDS
    const cmdFresh = freshAll / fresh
    await run('ssh', ['-S', ctl, '-O', 'exit', '-p', String(port), `root@${host}`]).catch(() => {})
    rows.push(['run command', 'per command', cmdOurs, cmdMux, 'ssh (ControlMaster)'], ['run command', 'per command', cmdOurs, cmdFresh, 'ssh (new connection)'])
    await comm.close()

    // --- the shell provisioner against Packer's, same container
    if (await havePacker()) rows.push(...(await benchAgainstPacker({ host, port, keyFile, dir, race, log })))
    else log('packer not installed (apt-get install packer): provisioner comparison skipped')
  }

  // --- whole-command start-up against Packer
  let startup = []
  if (!(await havePacker())) log('packer not installed: start-up comparison skipped')
  else if (!(await haveTime())) log('/usr/bin/time not installed (apt-get install time): start-up comparison skipped')
  else startup = await benchStartup({ host, port, keyFile, dir, log })

  // --- report
  const head = ['test', 'size', 'tsimg', 'peer time', 'peer', 'ratio', 'aim']
  const lines = rows.map(([t, s, ours, peer, name]) => {
    const isCmd = !t.startsWith('upload')
    const ratio = isCmd ? ours / peer : peer / ours
    const aimOk = isCmd ? ratio <= 1.2 : ratio >= 0.9
    const info = name.includes('new') || t === 'whole CLI run'
    const aim = isCmd ? (info ? '(info)' : `<= 1.2x time ${aimOk ? 'ok' : 'MISSED'}`) : `>= 0.9x throughput ${aimOk ? 'ok' : 'MISSED'}`
    return [t, s, fmt(ours), fmt(peer), name, `${ratio.toFixed(2)}x ${isCmd ? 'time' : 'throughput'}`, aim]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const out = [head, widths.map((w) => '-'.repeat(w)), ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  '))
  if (rows.length) console.log(out.join('\n'))
  if (mib)
    console.log(
      `\nbig file: tsimg ${(mib / (bigOurs / 1000)).toFixed(0)} MiB/s, scp ${(mib / (bigScp / 1000)).toFixed(0)} MiB/s, sftp ${(mib / (bigSftp / 1000)).toFixed(0)} MiB/s (best of ${REPS})`,
    )
  if (startup.length)
    console.log(
      `\nstart-up against Packer 1.6.6 (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}):\n${startup.join('\n')}`,
    )
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : err}`)
  process.exitCode = 1
} finally {
  // Said out loud when it fails (a daemon restarted mid-run): the container would be left.
  if (containerId)
    await run('docker', ['rm', '-f', containerId]).catch((err) =>
      log(`could not remove container ${containerId.slice(0, 12)}: ${err.message.split('\n')[0]}; docker rm -f it`),
    )
  await rm(dir, { recursive: true, force: true })
  log('cleaned up')
}
