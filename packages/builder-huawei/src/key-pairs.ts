import { NovaDeleteKeypairRequest, NovaShowKeypairRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import { ignoreNotFound, isNotFound } from '@tsimg/cloud-kit'
import type { HuaweiApi } from './api.js'

// Nova key pairs: found and deleted by the key pair step and by `tsimg cleanup`.

export async function findKeyPair(api: HuaweiApi, name: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    await api.sdk('NovaShowKeypair', (c) => c.ecs.novaShowKeypair(new NovaShowKeypairRequest().withKeypairName(name)), { signal })
    return name
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

export function deleteKeyPair(api: HuaweiApi, name: string, signal: AbortSignal): Promise<void> {
  return ignoreNotFound(api.sdk('NovaDeleteKeypair', (c) => c.ecs.novaDeleteKeypair(new NovaDeleteKeypairRequest().withKeypairName(name)), { signal }))
}
