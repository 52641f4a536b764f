/**
 * alicloud-ecs example: seed 002's Redis image with the options that article shows: image
 * tags, imageIgnoreDataDisks (an image of the system disk only, through a snapshot),
 * sshPrivateIp (no EIP: connect over the private address), userDataFile, imageForceDelete
 * (a rebuild replaces the image of the same name). See ../README.md for the commands.
 */
import { alicloudEcs } from '@tsimg/builder-alicloud'
import { defineTemplate, env, variable } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'

export default defineTemplate({
  description: 'Redis image (seed 002), built with alicloud-ecs',
  variables: {
    region: variable.string({ default: env('ALICLOUD_REGION') || 'cn-beijing', description: 'Build region' }),
    endpoint: variable.string({ default: env('TSIMG_ALICLOUD_ENDPOINT'), description: 'Custom ECS/VPC endpoint (the emulator); empty for Alibaba Cloud' }),
    source_image: variable.string({ default: 'centos_7_03_64_20G_alibase_20170818.vhd' }),
    instance_type: variable.string({ default: 'ecs.g7.large' }),
    vswitch_id: variable.string({ default: '', description: 'A vSwitch the machine running tsimg can reach privately (sshPrivateIp); empty: a temporary one' }),
    install_redis: variable.string({ default: 'yes', description: "'no' on the emulator, whose instances have no package mirror" }),
    poll_delay: variable.string({
      default: '5s',
      description: "How often instance, EIP and image states are polled (Packer's 5 s); the emulator changes them in a fraction of a second",
    }),
  },
  build: ({ vars }) => ({
    sources: [
      alicloudEcs({
        name: 'redis',
        region: vars.region,
        ...(vars.endpoint ? { endpoint: vars.endpoint } : {}),
        imageName: 'packer_basic',
        sourceImage: vars.source_image,
        sshUsername: 'root',
        pollDelay: vars.poll_delay,
        instanceType: vars.instance_type,
        internetChargeType: 'PayByTraffic',
        ioOptimized: true,
        ...(vars.vswitch_id ? { vswitchId: vars.vswitch_id } : {}),
        sshPrivateIp: true,
        userDataFile: 'files/user-data.sh',
        imageIgnoreDataDisks: true,
        imageForceDelete: true,
        tags: { version: 'v1.0.0', app: 'web' },
      }),
    ],
    provisioners: [
      shell({
        environmentVars: { INSTALL_REDIS: vars.install_redis },
        inline: [
          'if [ "$INSTALL_REDIS" = yes ]; then (command -v yum >/dev/null && yum install -y redis.x86_64) || (apt-get update && apt-get install -y redis-server); fi',
          'mkdir -p /etc/redis && printf "bind 0.0.0.0\\nport 6379\\n" > /etc/redis/tsimg.conf',
          'cat /var/lib/tsimg-user-data 2>/dev/null || true',
        ],
      }),
    ],
  }),
})
