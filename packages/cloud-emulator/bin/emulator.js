#!/usr/bin/env node
// tsimg-cloud-emulator: run the EC2 emulator until SIGINT/SIGTERM (then remove its containers),
// or sweep what a crashed emulator left behind.
import { parseArgs } from 'node:util'
import { startEc2Emulator, sweep } from '../dist/index.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    throttle: { type: 'string' },
    'keep-images': { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    sweep: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (values.help) {
  process.stdout.write(`Usage: tsimg-cloud-emulator [--port 4566] [--host 127.0.0.1] [--seed N] [--throttle 0.3] [--keep-images [--state-dir DIR]] [--quiet]
       tsimg-cloud-emulator --sweep [--all]   remove containers/images of emulators no longer running (--all: of every emulator)

Control API on the same port: GET /_emulator/ledger, POST|DELETE /_emulator/faults, POST /_emulator/delays,
POST /_emulator/throttle, POST /_emulator/reset.
`)
  process.exit(0)
}

if (values.sweep) {
  const removed = await sweep({ all: values.all })
  for (const c of removed.containers) process.stdout.write(`removed container ${c}\n`)
  for (const i of removed.images) process.stdout.write(`removed image ${i}\n`)
  process.stdout.write(`swept ${removed.containers.length} containers, ${removed.images.length} images\n`)
  process.exit(0)
}

const emu = await startEc2Emulator({
  port: Number(values.port),
  host: values.host,
  seed: values.seed === undefined ? undefined : Number(values.seed),
  throttleProbability: values.throttle === undefined ? undefined : Number(values.throttle),
  keepImages: values['keep-images'],
  stateDir: values['state-dir'],
  onCall: values.quiet ? undefined : (c) => process.stderr.write(`${c.status} ${c.region} ${c.action}${c.code ? ` ${c.code}` : ''}\n`),
})
process.stdout.write(`endpoint: ${emu.endpoint}
AWS_ACCESS_KEY_ID=${emu.credentials.accessKeyId}
AWS_SECRET_ACCESS_KEY=${emu.credentials.secretAccessKey}
account: ${emu.accountId}
`)
let stopping = false
const stop = async (signal) => {
  if (stopping) process.exit(130)
  stopping = true
  process.stderr.write(`${signal}: removing emulator containers...\n`)
  await emu.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
