import { z } from 'zod'
import type { BaseState, SourcePlugin } from '../plugin/types.js'

/** Options of the `null` source: its name only, since there is no machine to reach. */
export interface NullSourceOptions {
  /** Packer: the source block's label. The build is called `null.<name>` (just `null` without one). */
  name?: string
}

const nullSourceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][\w-]*$/, 'letters, digits, - and _ only')
    .optional(),
})

/**
 * `null` source: Packer's null builder with `communicator = "none"`. There is no machine and no
 * connection: the provisioners that run on this machine (shell-local, breakpoint) run, one that
 * needs the machine is refused before any runs, and the artifact says nothing was exported, as
 * Packer's does, so post-processors (manifest, shell-local) still run. Useful to try a
 * template's local steps and post-processors without creating anything.
 *
 *   nullSource({ name: 'check' })
 */
export function nullSource(options: NullSourceOptions = {}): SourcePlugin<NullSourceOptions, BaseState> {
  return {
    kind: 'source',
    type: 'null',
    name: options.name ?? '',
    options,
    schema: nullSourceSchema,
    initialState: () => ({ generated: {} }),
    steps: ({ provision }) => [
      provision<BaseState>(),
      {
        name: 'null:artifact',
        async run({ state, build }) {
          state.artifact = { builderType: 'null', buildName: build.name, id: 'null', description: 'Did not export anything. This is the null builder' }
        },
      },
    ],
  }
}
