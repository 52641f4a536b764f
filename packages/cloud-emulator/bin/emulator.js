#!/usr/bin/env node
// tsimg-cloud-emulator: run the chosen cloud front ends over one backend until SIGINT/SIGTERM
// (then remove their containers), or sweep what a crashed emulator left behind.
import { parseArgs } from 'node:util'
import { FRONT_ENDS, readCatalogFile, startEmulator, sweep } from '../dist/index.js'

const { values } = parseArgs({
  options: {
    cloud: { type: 'string', default: 'aws' },
    port: { type: 'string', multiple: true },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    throttle: { type: 'string' },
    paper: { type: 'boolean', default: false },
    'keep-images': { type: 'boolean', default: false },
    'state-dir': { type: 'string' },
    catalog: { type: 'string' },
    sweep: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const known = FRONT_ENDS.map((f) => `${f.name} (port ${f.defaultPort})`).join(', ')
if (values.help) {
  process.stdout.write(`Usage: tsimg-cloud-emulator [--cloud aws[,alicloud,...]] [--port 4566 | --port name=4566 ...] [--host 127.0.0.1]
                            [--seed N] [--throttle 0.3] [--paper] [--keep-images [--state-dir DIR]] [--catalog FILE] [--quiet]
       tsimg-cloud-emulator --sweep [--all]   remove containers/images of emulators no longer running (--all: of every emulator)

Clouds: ${known}. Each runs on its own port; --port N sets the first cloud's, --port name=N any cloud's.
--catalog FILE adds public images (name, owner, family, the local docker image they boot), instance types and
volume types per cloud to the default catalog: {"aws": {"images": [{"name": "...", "dockerRef": "..."}], "instanceTypes": [...]}}.
Control API on every port: GET /_emulator/ledger, GET|POST|DELETE /_emulator/faults, POST /_emulator/delays,
POST /_emulator/throttle, POST /_emulator/machines, POST /_emulator/reset, GET /_emulator/health.
--paper: machines run on paper (every record and state, SSH key checks, no container, nothing runs on them).
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

const fail = (message) => {
  process.stderr.write(`tsimg-cloud-emulator: ${message}\n`)
  process.exit(2)
}
const clouds = values.cloud
  .split(',')
  .map((c) => c.trim())
  .filter(Boolean)
for (const c of clouds) if (!FRONT_ENDS.some((f) => f.name === c)) fail(`--cloud ${c}: unknown cloud (known: ${known})`)
const ports = {}
for (const p of values.port ?? []) {
  const [name, value] = p.includes('=') ? p.split('=', 2) : [clouds[0], p]
  if (!/^\d+$/.test(value)) fail(`--port ${p}: not a port number`)
  ports[name] = Number(value)
}
for (const c of clouds) ports[c] ??= FRONT_ENDS.find((f) => f.name === c).defaultPort

let catalogs
if (values.catalog) {
  try {
    catalogs = readCatalogFile(values.catalog)
  } catch (error) {
    fail(`--catalog ${error.message}`)
  }
}
const emu = await startEmulator({
  catalogs,
  frontEnds: clouds,
  ports,
  host: values.host,
  seed: values.seed === undefined ? undefined : Number(values.seed),
  throttleProbability: values.throttle === undefined ? undefined : Number(values.throttle),
  machines: values.paper ? 'paper' : 'container',
  keepImages: values['keep-images'],
  stateDir: values['state-dir'],
  onCall: values.quiet ? undefined : (c) => process.stderr.write(`${c.status} ${c.cloud ?? ''} ${c.region} ${c.action}${c.code ? ` ${c.code}` : ''}\n`),
})
for (const [name, endpoint] of Object.entries(emu.endpoints)) process.stdout.write(`${name} endpoint: ${endpoint}\n`)
process.stdout.write(`access key id: ${emu.credentials.accessKeyId}
secret access key: ${emu.credentials.secretAccessKey}
account: ${emu.accountId}
`)
if (clouds.includes('aws')) {
  process.stdout.write(`
export AWS_ACCESS_KEY_ID=${emu.credentials.accessKeyId}
export AWS_SECRET_ACCESS_KEY=${emu.credentials.secretAccessKey}
export AWS_ENDPOINT_URL_EC2=${emu.endpoints.aws}
`)
}
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
