/**
 * alicloud-ecs example: a Kubernetes (ACK) worker node image, as seed 001's ack-image-builder
 * template makes it: shell scripts run in order, one of which reboots the instance
 * (expectDisconnect), then a verification script. See ../README.md for the commands.
 */
import { alicloudEcs } from '@tsimg/builder-alicloud'
import { defineTemplate, env, variable } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'

export default defineTemplate({
  description: 'ACK node image (seed 001), built with alicloud-ecs',
  variables: {
    region: variable.string({ default: env('ALICLOUD_REGION') || 'cn-hangzhou', description: 'Build region' }),
    endpoint: variable.string({ default: env('TSIMG_ALICLOUD_ENDPOINT'), description: 'Custom ECS/VPC endpoint (the emulator); empty for Alibaba Cloud' }),
    source_image: variable.string({ default: 'centos_7_06_64_20G_alibase_20190711.vhd' }),
    instance_type: variable.string({ default: 'ecs.g7.large' }),
    ssh_cidr: variable.string({ default: '0.0.0.0/0', description: 'Who may reach port 22 of the build instance (set your /32 on Alibaba Cloud)' }),
    poll_delay: variable.string({
      default: '5s',
      description: "How often instance, EIP and image states are polled (Packer's 5 s); the emulator changes them in a fraction of a second",
    }),
  },
  build: ({ vars, timestamp }) => ({
    sources: [
      alicloudEcs({
        name: 'ack-node',
        region: vars.region,
        ...(vars.endpoint ? { endpoint: vars.endpoint } : {}),
        imageName: `test_image${timestamp}`,
        sourceImage: vars.source_image,
        sshUsername: 'root',
        pollDelay: vars.poll_delay,
        instanceType: vars.instance_type,
        ioOptimized: true,
        temporarySecurityGroupSourceCidrs: [vars.ssh_cidr],
      }),
    ],
    provisioners: [
      shell({
        scripts: ['scripts/default.sh', 'scripts/updateDNS.sh', 'scripts/reboot.sh', 'scripts/verify.sh'],
        expectDisconnect: true,
      }),
    ],
  }),
})
