#!/usr/bin/env node
// The CLI is compiled to dist by `npm ci` (root prepare script: tsc -b).
import { main } from '../dist/cli/main.js'
main(process.argv).then((code) => { process.exitCode = code })
