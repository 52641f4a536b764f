/**
 * docker example, the newcomer's first real build: a Debian image with a small web "site",
 * configuration and a release file, committed as tsimg/example:latest. No cloud account, no
 * registry: it starts from the local base image made by `npm run setup`.
 *
 *   npx tsimg build examples/docker/image.ts            # fails if tsimg/example:latest exists...
 *   npx tsimg build -force examples/docker/image.ts     # ...this replaces it
 *   docker run --rm tsimg/example:latest                 # prints what the build put in the image
 */
import { docker } from '@tsimg/builder-docker'
import { defineTemplate, manifest, variable } from '@tsimg/core'
import { file } from '@tsimg/provisioner-file'
import { shell } from '@tsimg/provisioner-shell'

export default defineTemplate({
  description: 'Debian bookworm with a site and a release file, committed as a Docker image',
  variables: {
    image: variable.string({ default: 'tsimg/example:latest', description: 'repository:tag of the image to make' }),
    greeting: variable.string({ default: 'hello from tsimg', description: 'Written to /etc/tsimg/greeting' }),
  },
  build: ({ vars, timestamp }) => ({
    sources: [
      docker({
        name: 'example',
        image: 'tsimg/debian-ssh:bookworm',
        tags: [vars.image],
        changes: ['CMD ["/usr/local/bin/tsimg-example"]', 'WORKDIR /srv/site', 'ENV TSIMG_EXAMPLE=1'],
        labels: { 'org.opencontainers.image.title': 'tsimg example', 'org.tsimg.built-at': String(timestamp) },
        message: 'tsimg example build',
        author: 'tsimg',
      }),
    ],
    provisioners: [
      shell({
        inline: ['mkdir -p /etc/tsimg /srv', 'echo "built by tsimg on $(date -u +%FT%TZ)" > /etc/tsimg/built'],
      }),
      // Without a trailing slash the directory itself is copied: /srv/site/...
      file({ source: 'files/site', destination: '/srv' }),
      // With a trailing slash its contents are copied: /etc/tsimg/conf.d/app.conf
      file({ source: 'files/conf/', destination: '/etc/tsimg/conf.d' }),
      shell({
        script: 'scripts/setup.sh',
        environmentVars: { GREETING: vars.greeting, RELEASE: `example-${timestamp}` },
      }),
    ],
    postProcessors: [manifest({ output: 'manifest.json', stripPath: true, customData: { example: 'docker' } })],
  }),
})
