/**
 * ansible example, after seed 004 (Packer + Ansible for multi-cloud golden images): one
 * playbook with a role, applied by the ansible provisioner to two sources built in parallel.
 * Both are docker sources here (no cloud account); an amazon-ebs source takes the same
 * provisioner unchanged.
 *
 *   npx tsimg build -force examples/ansible/image.ts                    # through the local proxy (default)
 *   npx tsimg build -force -var use_proxy=false examples/ansible/image.ts  # ansible connects directly
 *   docker run --rm tsimg/golden-web:latest                              # shows what the role put there
 */
import { docker } from '@tsimg/builder-docker'
import { defineTemplate, manifest, variable } from '@tsimg/core'
import { ansible } from '@tsimg/provisioner-ansible'

export default defineTemplate({
  description: 'Two golden images configured by one Ansible playbook, built in parallel',
  variables: {
    base_image: variable.string({ default: 'tsimg/debian-ssh:bookworm', description: 'Image both sources start from (needs python3)' }),
    tag: variable.string({ default: 'latest', description: 'Tag of both images' }),
    use_proxy: variable.boolean({ default: true, description: 'false: ansible connects to the container directly' }),
  },
  build: ({ vars }) => ({
    sources: ['web', 'worker'].map((name) =>
      docker({
        name,
        image: vars.base_image,
        // Through the proxy ansible reaches the container over docker exec (the default);
        // connecting directly needs sshd in the container.
        communicator: vars.use_proxy ? 'docker' : 'ssh',
        tags: [`tsimg/golden-${name}:${vars.tag}`],
        changes: ['CMD ["/bin/sh", "-c", "cat /etc/motd /etc/golden-image; id ops"]'],
      }),
    ),
    provisioners: [
      ansible({
        playbookFile: 'ansible/build_image.yaml',
        groups: ['golden'],
        useProxy: vars.use_proxy,
        extraArguments: ['--extra-vars', 'baseline_motd="Golden image built by tsimg with Ansible"'],
      }),
    ],
    postProcessors: [manifest({ output: 'manifest.json', stripPath: true, customData: { example: 'ansible' } })],
  }),
})
