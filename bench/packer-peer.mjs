// The shell provisioner's per-provisioner overhead against HashiCorp Packer (Debian's 1.6.6),
// on the same sshd container: Packer's `null` builder and tsimg's `ssh` source, each running
// the whole CLI with 1 and with 1 + EXTRA shell provisioners of one command (`true`). The
// difference divided by EXTRA is what one more provisioner costs (upload a script, run it,
// remove it: both tools do the same three things); the 1-provisioner run is shown too, since
// it holds each CLI's start-up (tsimg type-checks image.ts there).
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const TSIMG = fileURLToPath(new URL('../packages/core/bin/tsimg.js', import.meta.url))
const EXTRA = Number(process.env.BENCH_PROVISIONERS || 20)

export async function havePacker() {
  try {
    await run('packer', ['version'])
    return true
  } catch {
    return false
  }
}

/** Returns rows for the report: [test, size, tsimg ms, peer ms, peer name]. */
export async function benchAgainstPacker({ host, port, keyFile, dir, race, log }) {
  const work = join(dir, 'packer-peer')
  await mkdir(work, { recursive: true })
  const files = {}
  for (const n of [1, 1 + EXTRA]) {
    const packerTemplate = {
      builders: [{ type: 'null', ssh_host: host, ssh_port: port, ssh_username: 'root', ssh_private_key_file: keyFile }],
      provisioners: Array.from({ length: n }, () => ({ type: 'shell', inline: ['true'] })),
    }
    const packerFile = join(work, `packer-${n}.json`)
    await writeFile(packerFile, JSON.stringify(packerTemplate, null, 2))
    const tsimgFile = join(work, `image-${n}.ts`)
    await writeFile(
      tsimgFile,
      [
        `import { defineTemplate, sshHost } from '@tsimg/core'`,
        `import { shell } from '@tsimg/provisioner-shell'`,
        `export default defineTemplate({`,
        `  build: () => ({`,
        `    sources: [sshHost({ name: 'bench', host: ${JSON.stringify(host)}, sshPort: ${port}, sshUsername: 'root', sshPrivateKeyFile: ${JSON.stringify(keyFile)} })],`,
        `    provisioners: Array.from({ length: ${n} }, () => shell({ inline: ['true'] })),`,
        `  }),`,
        `})`,
        '',
      ].join('\n'),
    )
    files[n] = { packerFile, tsimgFile }
  }
  // Packer must not phone home (checkpoint) or read a user's plugins; tsimg keeps its state here.
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PACKER_CONFIG_DIR: work,
    PACKER_CACHE_DIR: join(work, 'cache'),
    TSIMG_STATE_DIR: join(work, 'state'),
    NO_COLOR: '1',
  }
  const opts = { env, cwd: work, maxBuffer: 1 << 24 }
  const packer = (n) => run('packer', ['build', '-color=false', files[n].packerFile], opts)
  const tsimg = (n) => run(process.execPath, [TSIMG, 'build', '-color=false', files[n].tsimgFile], opts)

  // Both must really succeed before they are timed.
  await packer(1)
  await tsimg(1)
  const [tsimgOne, packerOne, tsimgMany, packerMany] = await race([() => tsimg(1), () => packer(1), () => tsimg(1 + EXTRA), () => packer(1 + EXTRA)])
  log('packer comparison done')
  const perTsimg = (tsimgMany - tsimgOne) / EXTRA
  const perPacker = (packerMany - packerOne) / EXTRA
  return [
    ['shell provisioner', 'per provisioner', perTsimg, perPacker, 'packer 1.6.6 (null)'],
    ['whole CLI run', '1 provisioner', tsimgOne, packerOne, 'packer 1.6.6 (null)'],
  ]
}
