/**
 * amazon-ebs example: a Debian AMI with a message of the day and a release file.
 *
 * Against the local EC2 emulator (see README.md):
 *   npx tsimg-cloud-emulator &   # prints the endpoint and its test credentials
 *   TSIMG_AWS_ENDPOINT=http://127.0.0.1:4599 npx tsimg build examples/aws/image.ts
 *
 * Against AWS: unset TSIMG_AWS_ENDPOINT, use your usual credentials (env, profile, SSO) and
 *   npx tsimg build -var source_ami_name='debian-12-amd64-*' -var subnet_id=subnet-... examples/aws/image.ts
 */
import { amazonEbs } from '@tsimg/builder-aws'
import { defineTemplate, env, manifest, variable } from '@tsimg/core'
import { file } from '@tsimg/provisioner-file'
import { shell } from '@tsimg/provisioner-shell'

export default defineTemplate({
  description: 'Debian AMI with tsimg markers, built with amazon-ebs',
  variables: {
    region: variable.string({ default: env('AWS_REGION') || 'us-east-1', description: 'Build region' }),
    endpoint: variable.string({ default: env('TSIMG_AWS_ENDPOINT'), description: 'Custom EC2 endpoint (the emulator); empty for AWS' }),
    source_ami_name: variable.string({ default: 'debian-12-amd64-tsimg-base', description: 'Name filter of the source AMI' }),
    // Debian's publishing account; the emulator's catalog images use the same owner id.
    source_ami_owner: variable.string({ default: '136693071363' }),
    instance_type: variable.string({ default: 't3.micro' }),
    subnet_id: variable.string({ default: '', description: 'Subnet to build in; empty: the default VPC' }),
    ssh_cidr: variable.string({ default: '0.0.0.0/0', description: 'Who may reach port 22 of the build instance (set your /32 on AWS)' }),
    ami_regions: variable.list({ default: [] }),
    manifest: variable.string({ default: 'manifest.json', description: 'Where the manifest post-processor writes (relative to this file)' }),
  },
  build: ({ vars, timestamp }) => ({
    sources: [
      amazonEbs({
        name: 'web',
        region: vars.region,
        ...(vars.endpoint ? { endpoint: vars.endpoint } : {}),
        sourceAmiFilter: {
          filters: { name: vars.source_ami_name, 'virtualization-type': 'hvm' },
          owners: [vars.source_ami_owner],
          mostRecent: true,
        },
        instanceType: vars.instance_type,
        ...(vars.subnet_id ? { subnetId: vars.subnet_id, associatePublicIpAddress: true } : {}),
        temporarySecurityGroupSourceCidrs: [vars.ssh_cidr],
        sshUsername: 'admin',
        amiName: `tsimg-example-web-${timestamp}`,
        amiDescription: 'Debian 12 with tsimg markers',
        amiRegions: vars.ami_regions,
        runTags: { Purpose: 'tsimg example build' },
        tags: { Name: 'tsimg-example-web', OS: 'debian-12', Builder: 'tsimg' },
      }),
    ],
    provisioners: [
      file({ source: 'files/motd', destination: '/tmp/motd' }),
      shell({
        inline: [
          'sudo install -m 0644 /tmp/motd /etc/motd',
          'echo "built_at=$(date -u +%FT%TZ)" | sudo tee /etc/tsimg-release',
          'cat /etc/os-release | head -n 2',
        ],
      }),
    ],
    postProcessors: [manifest({ output: vars.manifest, stripPath: true })],
  }),
})
