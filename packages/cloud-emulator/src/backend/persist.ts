import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { imageExists } from './docker.js'
import type { Cloud } from './cloud.js'
import type { Image, Snapshot } from './types.js'

/**
 * Keeps the AMIs a session made (and their snapshots) across emulator restarts: saved to
 * `<stateDir>/images.json` on stop when images are kept, registered again at start if their
 * docker image still exists. Instances, keys and groups are not kept: they do not outlive a
 * session.
 */
interface Saved {
  images: Array<
    Omit<Image, 'tags' | 'launchUsers' | 'launchGroups' | 'created' | 'transition'> & {
      tags: [string, string][]
      launchUsers: string[]
      launchGroups: string[]
      created: string
    }
  >
  snapshots: Array<
    Omit<Snapshot, 'tags' | 'createVolumeUsers' | 'createVolumeGroups' | 'started' | 'transition'> & {
      tags: [string, string][]
      createVolumeUsers: string[]
      createVolumeGroups: string[]
      started: string
    }
  >
}

export async function saveImages(cloud: Cloud, stateDir: string): Promise<void> {
  // A paper image has no docker image to outlive the session.
  const images = [...cloud.images.values()].filter((m) => !m.seed && !m.paper && m.state === 'available')
  const snapshotIds = new Set(images.flatMap((m) => m.devices.map((d) => d.snapshotId)))
  const saved: Saved = {
    images: images.map(({ transition: _t, ...m }) => ({
      ...m,
      tags: [...m.tags],
      launchUsers: [...m.launchUsers],
      launchGroups: [...m.launchGroups],
      created: m.created.toISOString(),
    })),
    snapshots: [...cloud.snapshots.values()]
      .filter((s) => snapshotIds.has(s.id))
      .map(({ transition: _t, ...s }) => ({
        ...s,
        tags: [...s.tags],
        createVolumeUsers: [...s.createVolumeUsers],
        createVolumeGroups: [...s.createVolumeGroups],
        started: s.started.toISOString(),
      })),
  }
  await mkdir(stateDir, { recursive: true })
  await writeFile(join(stateDir, 'images.json'), JSON.stringify(saved, null, 2), { mode: 0o600 })
}

export async function loadImages(cloud: Cloud, stateDir: string): Promise<number> {
  let saved: Saved
  try {
    saved = JSON.parse(await readFile(join(stateDir, 'images.json'), 'utf8')) as Saved
  } catch {
    return 0
  }
  let loaded = 0
  const regions = new Set(cloud.regions.map((r) => r.name))
  for (const m of saved.images) {
    if (!regions.has(m.region) || cloud.images.has(m.id) || !(await imageExists(m.dockerRef))) continue
    cloud.images.set(m.id, {
      ...m,
      tags: new Map(m.tags),
      launchUsers: new Set(m.launchUsers),
      launchGroups: new Set(m.launchGroups),
      created: new Date(m.created),
    })
    loaded++
  }
  for (const s of saved.snapshots) {
    if (!regions.has(s.region) || cloud.snapshots.has(s.id)) continue
    if (![...cloud.images.values()].some((m) => m.devices.some((d) => d.snapshotId === s.id))) continue
    cloud.snapshots.set(s.id, {
      ...s,
      tags: new Map(s.tags),
      createVolumeUsers: new Set(s.createVolumeUsers),
      createVolumeGroups: new Set(s.createVolumeGroups),
      started: new Date(s.started),
    })
  }
  return loaded
}
