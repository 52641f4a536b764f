import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface AlicloudCredentials {
  readonly accessKey: string
  readonly secretKey: string
  readonly securityToken?: string
  /** Where they came from, for messages (never the values). */
  readonly source: string
}

export interface CredentialInput {
  readonly accessKey?: string
  readonly secretKey?: string
  readonly securityToken?: string
  /** A profile of the Alibaba Cloud CLI (`~/.aliyun/config.json`). */
  readonly profile?: string
  /** The CLI's configuration file (default `~/.aliyun/config.json`), Packer's `shared_credentials_file`. */
  readonly sharedCredentialsFile?: string
}

interface CliProfile {
  readonly name?: string
  readonly mode?: string
  readonly access_key_id?: string
  readonly access_key_secret?: string
  readonly sts_token?: string
  readonly region_id?: string
}

/**
 * Credentials as Packer's alicloud-ecs finds them: the options, then ALICLOUD_ACCESS_KEY /
 * ALICLOUD_SECRET_KEY / ALICLOUD_SECURITY_TOKEN, then a profile of the Alibaba Cloud CLI
 * (the named one, ALICLOUD_PROFILE, or the CLI's current one). Returns undefined when none is
 * found, so the caller can name every place it looked.
 */
export async function resolveCredentials(o: CredentialInput, env: NodeJS.ProcessEnv = process.env): Promise<AlicloudCredentials | undefined> {
  if (o.accessKey && o.secretKey)
    return { accessKey: o.accessKey, secretKey: o.secretKey, securityToken: o.securityToken, source: 'the accessKey/secretKey options' }
  if (env.ALICLOUD_ACCESS_KEY && env.ALICLOUD_SECRET_KEY) {
    return {
      accessKey: env.ALICLOUD_ACCESS_KEY,
      secretKey: env.ALICLOUD_SECRET_KEY,
      securityToken: o.securityToken ?? env.ALICLOUD_SECURITY_TOKEN,
      source: 'ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY',
    }
  }
  const profile = await cliProfile(o, env)
  if (profile?.access_key_id && profile.access_key_secret) {
    return {
      accessKey: profile.access_key_id,
      secretKey: profile.access_key_secret,
      securityToken: profile.sts_token || undefined,
      source: `profile ${profile.name ?? ''} of the Alibaba Cloud CLI`,
    }
  }
  return undefined
}

/** The region of the CLI profile in use, the last place a region is looked for. */
export async function profileRegion(o: CredentialInput, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return (await cliProfile(o, env))?.region_id || undefined
}

async function cliProfile(o: CredentialInput, env: NodeJS.ProcessEnv): Promise<CliProfile | undefined> {
  const file = o.sharedCredentialsFile ?? env.ALICLOUD_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aliyun', 'config.json')
  let config: { current?: string; profiles?: CliProfile[] }
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as typeof config
  } catch {
    return undefined
  }
  const name = o.profile ?? env.ALICLOUD_PROFILE ?? config.current ?? 'default'
  const found = config.profiles?.find((p) => p.name === name)
  // Only AccessKey and StsToken profiles carry keys; RAM-role and ECS-role modes need a service.
  return found && (!found.mode || found.mode === 'AK' || found.mode === 'StsToken') ? found : undefined
}

/**
 * Where resolveCredentials looked and what it found there, for a cleanup without credentials:
 * `ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY: not set`, `profile 'default' (the CLI's current
 * one) in /root/.aliyun/config.json: no such file`. Never a value.
 */
export async function credentialPlaces(o: CredentialInput, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const pair = [env.ALICLOUD_ACCESS_KEY ? 'set' : 'not set', env.ALICLOUD_SECRET_KEY ? 'set' : 'not set']
  const keys =
    pair[0] === pair[1] ? `ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY: ${pair[0]}` : `ALICLOUD_ACCESS_KEY: ${pair[0]}, ALICLOUD_SECRET_KEY: ${pair[1]}`
  const file = o.sharedCredentialsFile ?? env.ALICLOUD_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aliyun', 'config.json')
  let config: { current?: string; profiles?: CliProfile[] } | undefined
  let problem: string | undefined
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as typeof config
  } catch (err) {
    problem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable JSON'
  }
  const name = o.profile ?? env.ALICLOUD_PROFILE ?? config?.current ?? 'default'
  const why = o.profile ? "the build's profile" : env.ALICLOUD_PROFILE ? 'ALICLOUD_PROFILE' : config?.current ? "the CLI's current one" : 'the default'
  if (!problem) {
    const found = config?.profiles?.find((p) => p.name === name)
    if (!found) problem = 'no such profile'
    else if (found.mode && found.mode !== 'AK' && found.mode !== 'StsToken') problem = `mode ${found.mode} carries no keys tsimg can use`
    else if (!found.access_key_id || !found.access_key_secret) problem = 'no access_key_id / access_key_secret in it'
    else problem = 'found'
  }
  return [keys, `profile '${name}' (${why}) in ${file}${env.ALICLOUD_SHARED_CREDENTIALS_FILE ? ' (ALICLOUD_SHARED_CREDENTIALS_FILE)' : ''}: ${problem}`]
}
