/**
 * huaweicloud-ecs example after Huawei's guide to CCE node images (seed 000): the same
 * environment variables, a file provisioner for a package, shell provisioners for scripts.
 *
 * Against the local emulator (see README.md):
 *   npx tsimg-cloud-emulator --cloud huaweicloud &   # prints the endpoint and its test keys
 *   TSIMG_HUAWEI_ENDPOINT=http://127.0.0.1:4568 REGION_NAME=cn-north-4 IAM_ACCESS_KEY=... IAM_SECRET_KEY=... \
 *     npx tsimg build examples/huaweicloud/image.ts
 *
 * Against Huawei Cloud: leave TSIMG_HUAWEI_ENDPOINT unset and export the seed's variables
 * (REGION_NAME, IAM_ACCESS_KEY, IAM_SECRET_KEY, ECS_VPC_ID, ECS_NETWORK_ID, ECS_SECGRP_ID, CCE_SOURCE_IMAGE_ID).
 */
import { huaweicloudEcs } from '@tsimg/builder-huawei'
import { defineTemplate, env, manifest, variable } from '@tsimg/core'
import { file } from '@tsimg/provisioner-file'
import { shell } from '@tsimg/provisioner-shell'

export default defineTemplate({
  description: 'CCE node image (seed 000) built with huaweicloud-ecs',
  variables: {
    region: variable.string({ default: env('REGION_NAME'), description: 'Region (REGION_NAME)' }),
    access_key: variable.string({ default: env('IAM_ACCESS_KEY'), description: 'IAM access key (IAM_ACCESS_KEY)' }),
    secret_key: variable.string({ default: env('IAM_SECRET_KEY'), sensitive: true, description: 'IAM secret key (IAM_SECRET_KEY)' }),
    vpc_id: variable.string({ default: env('ECS_VPC_ID'), description: 'VPC of the build server (ECS_VPC_ID); empty: a temporary VPC and subnet' }),
    network_id: variable.string({ default: env('ECS_NETWORK_ID'), description: 'Subnet network id (ECS_NETWORK_ID)' }),
    secgrp_id: variable.string({
      default: env('ECS_SECGRP_ID'),
      description: 'Security group with port 22 open to this machine (ECS_SECGRP_ID); empty: a temporary one',
    }),
    source_image_id: variable.string({ default: env('CCE_SOURCE_IMAGE_ID'), description: 'CCE node image id (CCE_SOURCE_IMAGE_ID); empty: source_image_name' }),
    source_image_name: variable.string({
      default: 'Debian 12.0.0 64bit tsimg',
      description: 'Used when source_image_id is empty (the emulator catalog image)',
    }),
    endpoint: variable.string({ default: env('TSIMG_HUAWEI_ENDPOINT'), description: 'One endpoint for every service (the emulator); empty for Huawei Cloud' }),
    ecs_az: variable.string({ default: '', description: 'Availability zone; empty: the first that offers the flavor' }),
    ecs_flavor: variable.string({ default: 's6.large.2' }),
    eip_type: variable.string({ default: '5_bgp', description: 'EIP bought for the build and released with it' }),
    manifest: variable.string({ default: 'manifest.json', description: 'Where the manifest post-processor writes (relative to this file)' }),
  },
  build: ({ vars, timestamp }) => ({
    sources: [
      huaweicloudEcs({
        name: 'builder',
        region: vars.region,
        accessKey: vars.access_key,
        secretKey: vars.secret_key,
        ...(vars.endpoint ? { endpoint: vars.endpoint } : {}),
        ...(vars.vpc_id ? { vpcId: vars.vpc_id, subnets: [vars.network_id] } : {}),
        ...(vars.secgrp_id ? { securityGroups: [vars.secgrp_id] } : {}),
        ...(vars.source_image_id ? { sourceImage: vars.source_image_id } : { sourceImageName: vars.source_image_name }),
        ...(vars.ecs_az ? { availabilityZone: vars.ecs_az } : {}),
        flavor: vars.ecs_flavor,
        eipType: vars.eip_type,
        eipBandwidthSize: 5,
        volumeType: 'SSD',
        sshUsername: 'root',
        imageName: `cce-node-custom-${timestamp}`,
        imageDescription: 'CCE node image customised with tsimg',
        imageTags: { os: 'cce-node', builder: 'tsimg' },
      }),
    ],
    provisioners: [
      file({ source: 'user-packages/example.package', destination: '/tmp/example.package' }),
      shell({ scripts: ['user-scripts/example.sh'] }),
      shell({ inline: ['echo foo'] }),
    ],
    postProcessors: [manifest({ output: vars.manifest, stripPath: true })],
  }),
})
