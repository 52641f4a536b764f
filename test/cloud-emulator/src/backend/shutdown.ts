import { docker, sweep } from './docker.js'
import type { Cloud } from './cloud.js'

/**
 * Tears down everything the cloud started: every container of this session, and (unless
 * kept) every docker tag it committed or copied. Returns the docker refs it kept.
 */
export async function shutdown(cloud: Cloud, opts: { keepImages?: boolean } = {}): Promise<string[]> {
  cloud.stopClock()
  await cloud.settle()
  const kept: string[] = []
  if (opts.keepImages) {
    for (const m of cloud.images.values()) if (m.ownsDockerRef) kept.push(m.dockerRef)
    // Containers go; kept images stay (their session label is what `--sweep` would match).
    const ids = await docker(['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`])
    for (const id of ids.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id]).catch(() => undefined)
  } else {
    await sweep({ session: cloud.session })
  }
  for (const i of cloud.instances.values()) if (i.state !== 'terminated') i.state = 'terminated'
  cloud.addresses.clear()
  return kept
}
