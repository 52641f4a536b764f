import { z } from 'zod'
import type { CommonProvisionerOptions, ProvisionContext, ProvisionerPlugin, ValidateContext } from '../plugin/types.js'
import { checkCommonOptions, checkSchema, commonProvisionerShape } from './common.js'

export interface BreakpointOptions extends CommonProvisionerOptions {
  /** Packer `note`: shown when pausing, to say what to look at. */
  note?: string
  /** Packer `disable`: keep the breakpoint in the template but do not pause. */
  disable?: boolean
}

const schema = z.strictObject({
  ...commonProvisionerShape,
  note: z.string().optional(),
  disable: z.boolean().optional(),
})

/**
 * Packer's `breakpoint` provisioner: pauses the build until Enter is pressed, so the machine
 * can be inspected mid-build. Without a terminal there is no one to press Enter, so it says it
 * is skipping rather than hang a CI job.
 */
export function breakpoint(options: BreakpointOptions = {}): ProvisionerPlugin<BreakpointOptions> {
  return {
    kind: 'provisioner',
    type: 'breakpoint',
    options,
    schema,
    validate(ctx: ValidateContext) {
      checkSchema(schema, options, ctx)
      checkCommonOptions(options, ctx)
    },
    describe: () => 'breakpoint',
    local: true,
    async provision(ctx: ProvisionContext) {
      if (options.disable) {
        ctx.ui.say('Breakpoint provisioner disabled: skipping')
        return
      }
      const what = options.note ? `Pausing at breakpoint provisioner with note "${options.note}".` : 'Pausing at breakpoint provisioner.'
      if (!ctx.ui.prompter.interactive) {
        const note = options.note ? ` (note: "${options.note}")` : ''
        ctx.ui.say(`Breakpoint provisioner: no terminal attached, skipping pause${note}`)
        return
      }
      ctx.ui.say(`${what} Press enter to continue.`)
      // The prompter rejects when the signal fires (Ctrl-C, timeout), which ends the pause.
      await ctx.ui.prompter.ask('', ctx.signal)
    },
  }
}
