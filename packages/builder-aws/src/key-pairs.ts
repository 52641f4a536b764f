import { DescribeKeyPairsCommand } from '@aws-sdk/client-ec2'
import { isNotFound } from '@tsimg/cloud-kit'
import type { Ec2Api } from './ec2.js'

/** The key pair of this name, if it exists (what a lost ImportKeyPair answer made). */
export async function findKeyPair(api: Ec2Api, region: string, name: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const res = await api.send(region, new DescribeKeyPairsCommand({ KeyNames: [name] }), { signal })
    return res.KeyPairs?.[0]?.KeyName
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}
