import { alicloudEcsBuilder } from './alicloud-ecs.js'
import { amazonEbsBuilder } from './amazon-ebs.js'
import { dockerBuilder } from './docker.js'
import { huaweicloudEcsBuilder } from './huaweicloud-ecs.js'
import { vsphereCloneBuilder } from './vsphere-clone.js'
import { vsphereIsoBuilder } from './vsphere-iso.js'
import { nullBuilder } from './null.js'
import { dockerTagPostProcessor, manifestPostProcessor, shellLocalPostProcessor } from './post-processors.js'
import { ansibleProvisioner, breakpointProvisioner, fileProvisioner, gossProvisioner, shellLocalProvisioner, shellProvisioner } from './provisioners.js'
import type { PluginKind, PluginMapping } from './table.js'

/** Every Packer plugin tsimg runs. A new builder adds its mapping file and one entry here. */
const MAPPINGS: readonly PluginMapping[] = [
  dockerBuilder,
  nullBuilder,
  amazonEbsBuilder,
  alicloudEcsBuilder,
  huaweicloudEcsBuilder,
  vsphereCloneBuilder,
  vsphereIsoBuilder,
  shellProvisioner,
  fileProvisioner,
  breakpointProvisioner,
  shellLocalProvisioner,
  ansibleProvisioner,
  gossProvisioner,
  manifestPostProcessor,
  shellLocalPostProcessor,
  dockerTagPostProcessor,
]

/** Packer plugins users ask for that tsimg does not have (yet): what to use instead. */
const NOT_YET: Readonly<Record<string, string>> = {
  'provisioner:ansible-local': 'use the ansible provisioner, which runs ansible-playbook on this machine against the one being built',
  'provisioner:powershell': 'Windows is not supported: tsimg connects over SSH and runs POSIX shells',
  'provisioner:windows-restart': 'Windows is not supported: for Linux reboots use a shell provisioner with expect_disconnect = true',
  'post-processor:docker-push': 'push with a shell-local post-processor running `docker push <repository>:<tag>`',
  'post-processor:docker-import': 'the docker builder already commits an image; tag it with docker-tag',
  'post-processor:docker-save': 'run `docker save` from a shell-local post-processor',
  'post-processor:checksum': 'compute checksums with a shell-local post-processor',
  'post-processor:compress': 'compress with a shell-local post-processor',
}

export function findMapping(kind: PluginKind, packerType: string): PluginMapping | undefined {
  return MAPPINGS.find((m) => m.kind === kind && m.packerType === packerType)
}

/** Why a Packer plugin is not supported, with what tsimg offers instead. */
export function unsupportedPlugin(kind: PluginKind, packerType: string): { message: string; hint: string } {
  const word = kind === 'source' ? 'builder' : kind
  const offered = MAPPINGS.filter((m) => m.kind === kind).map((m) => m.packerType)
  return {
    message: `${word} "${packerType}" is not supported by tsimg`,
    hint: NOT_YET[`${kind}:${packerType}`] ?? `tsimg ${word}s: ${offered.join(', ')}`,
  }
}

export function supportedTypes(kind: PluginKind): string[] {
  return MAPPINGS.filter((m) => m.kind === kind).map((m) => m.packerType)
}
