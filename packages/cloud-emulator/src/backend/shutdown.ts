import { docker, KEPT_REPOSITORY, sweep } from './docker.js'
import { closeAllPaper } from './paper.js'
import type { Cloud } from './cloud.js'

/**
 * Tears down everything the cloud started: every container of this session, and (unless
 * kept) every docker tag it committed or copied. Returns the docker refs it kept.
 */
export async function shutdown(cloud: Cloud, opts: { keepImages?: boolean } = {}): Promise<string[]> {
  cloud.stopClock()
  await cloud.settle()
  await closeAllPaper(cloud)
  const kept: string[] = []
  if (opts.keepImages) {
    // Kept images move to a tag a sweep never removes (the session's labels stay on them).
    for (const m of cloud.images.values()) {
      if (!m.ownsDockerRef || m.paper || m.dockerRef.startsWith(`${KEPT_REPOSITORY}/`)) continue
      if (m.state !== 'available') continue
      const keptRef = `${KEPT_REPOSITORY}/${cloud.session}:${m.id}`
      try {
        await docker(['tag', m.dockerRef, keptRef])
        await docker(['rmi', m.dockerRef])
        ;(m as { dockerRef: string }).dockerRef = keptRef
        kept.push(keptRef)
      } catch {
        kept.push(m.dockerRef)
      }
    }
  }
  // Containers and unkept images go; a sweep passes over every image with a kept tag.
  await sweep({ session: cloud.session })
  for (const i of cloud.instances.values()) if (i.state !== 'terminated') i.state = 'terminated'
  cloud.addresses.clear()
  return kept
}
