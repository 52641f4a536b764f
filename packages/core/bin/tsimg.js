#!/usr/bin/env node
// The CLI is compiled to dist by `npm ci` (root prepare script: tsc -b).
import module from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'

// Node >= 22.1 keeps V8's compiled code of every module the CLI loads (the CLI, zod, a cloud
// SDK), next to tsimg's other caches: about 10% of a cached validate's CPU on Node 22. A no-op
// on Node 20, which has no such cache.
if (typeof module.enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  const base = process.env.TSIMG_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tsimg')
  module.enableCompileCache(join(base, 'node-compile'))
}
const { main } = await import('../dist/cli/main.js')

// Exit explicitly: a build halted by -on-error=abort, or a prompt's reader, may leave
// handles open, and the command must still end when the build has ended.
main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
