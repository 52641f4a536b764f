#!/usr/bin/env node
// The CLI is compiled to dist by `npm ci` (root prepare script: tsc -b).
import { main } from '../dist/cli/main.js'

// Exit explicitly: a build halted by -on-error=abort, or a prompt's reader, may leave
// handles open, and the command must still end when the build has ended.
main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
