// Peak memory of a whole process tree (Linux /proc), for commands that start child processes
// (tsimg runs the native TypeScript compiler as a child): /usr/bin/time's %M is the peak of the
// single largest process in the tree, not of the tree.
//
// While the command runs, every SAMPLE_MS the tree under `rootPid` is walked
// (/proc/<pid>/task/<tid>/children) and each process's VmHWM (its own peak RSS, which only
// grows) and VmRSS are read. Reported:
//   peakMb: the sum over every process seen of its last VmHWM: an upper bound of the tree's
//           peak (each process counted at its own peak, even if they never peaked together);
//   liveMb: the largest sum of VmRSS in one sample (what was resident at the same moment).
// A process that lives less than SAMPLE_MS may be missed; the report says how many were seen.
import { readFile, readdir } from 'node:fs/promises'

const SAMPLE_MS = Number(process.env.BENCH_RSS_SAMPLE_MS || 5)

async function children(pid) {
  let tids
  try {
    tids = await readdir(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const out = []
  for (const tid of tids) {
    try {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8')
      for (const c of text.split(' ')) if (c.trim()) out.push(Number(c))
    } catch {
      // the thread or process just ended
    }
  }
  return out
}

async function status(pid) {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0)
    const name = /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?'
    return { name, hwm: kb('VmHWM'), rss: kb('VmRSS') }
  } catch {
    return undefined
  }
}

/**
 * Samples the descendants of `rootPid` (not `rootPid` itself: the /usr/bin/time wrapper) until
 * `stop()` is called. Returns { stop: async () => ({ peakMb, liveMb, procs }) }.
 */
export function sampleTree(rootPid) {
  const peaks = new Map() // pid -> { name, hwm }
  let live = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const seen = []
      const queue = await children(rootPid)
      while (queue.length) {
        const pid = queue.shift()
        seen.push(pid)
        queue.push(...(await children(pid)))
      }
      let sum = 0
      for (const pid of seen) {
        const s = await status(pid)
        if (!s || s.hwm === 0) continue // gone, or a zombie
        sum += s.rss
        const was = peaks.get(pid)
        if (!was || s.hwm > was.hwm) peaks.set(pid, { name: s.name, hwm: s.hwm })
      }
      live = Math.max(live, sum)
      await new Promise((r) => setTimeout(r, SAMPLE_MS))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      const procs = [...peaks.values()]
      return { peakMb: procs.reduce((a, p) => a + p.hwm, 0) / 1024, liveMb: live / 1024, procs: procs.map((p) => `${p.name} ${(p.hwm / 1024).toFixed(0)} MB`) }
    },
  }
}
