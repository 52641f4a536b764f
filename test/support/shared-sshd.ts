/**
 * The sshd containers this run shares between test files (started once, on first request, by
 * test/support/global-setup.ts):
 *
 *   const target = await sharedTarget()       // root + alice (password) + deploy (key, password)
 *   const { machine, bastion } = await sharedBastionPair()
 *
 * Shared means: never restart, kill, pause or reconfigure sshd, its users or their keys, and
 * write only to paths your file owns. A file that needs any of that starts its own container
 * with `startSshd` (test/support/sshd.ts).
 */
import { getContainerRuntimeClient } from 'testcontainers'
import { inject } from 'vitest'
import type { SharedBastionInfo, SharedKinds, SharedSshdInfo, SharedTargetInfo } from './global-setup.js'
import { waitForBanner } from './sshd.js'

/** A shared sshd: address and a root shell in the container (not over SSH). */
export interface SharedSshd extends SharedSshdInfo {
  exec(cmd: string): Promise<{ exitCode: number; stdout: string; stderr: string }>
  /** Resolves when sshd answers with its banner on host:port. */
  waitReady(timeoutMs?: number): Promise<void>
}

export type SharedTarget = SharedSshd & Omit<SharedTargetInfo, keyof SharedSshdInfo>
export interface SharedBastionPair extends Pick<SharedBastionInfo, 'privateKey' | 'publicKey'> {
  machine: SharedSshd & { alias: string }
  bastion: SharedSshd & { username: string }
}

async function ask<K extends keyof SharedKinds>(kind: K): Promise<SharedKinds[K]> {
  const base = inject('tsimgSharedSshd')
  if (!base) throw new Error('No shared-sshd broker: run the tests with vitest.config.ts (its globalSetup starts it)')
  const res = await fetch(`${base}/${kind}`)
  if (!res.ok) throw new Error(`The shared sshd "${kind}" did not start: ${await res.text()}`)
  return (await res.json()) as SharedKinds[K]
}

function withShell<T extends SharedSshdInfo>(info: T): T & SharedSshd {
  return {
    ...info,
    async exec(cmd) {
      const client = await getContainerRuntimeClient()
      const r = await client.container.exec(client.container.getById(info.containerId), ['/bin/sh', '-c', cmd])
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
    },
    waitReady: (timeoutMs) => waitForBanner(info.host, info.port, timeoutMs),
  }
}

/** The run's shared login target (see SharedTargetInfo for its users). */
export async function sharedTarget(): Promise<SharedTarget> {
  return withShell(await ask('target'))
}

/** The run's shared machine behind a bastion host (both accept the same key). */
export async function sharedBastionPair(): Promise<SharedBastionPair> {
  const info = await ask('bastion')
  return { privateKey: info.privateKey, publicKey: info.publicKey, machine: withShell(info.machine), bastion: withShell(info.bastion) }
}
