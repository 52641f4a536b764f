import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'
import { toFilters } from './filters.js'

/** Reads sourceAmi or sourceAmiFilter; sets state.sourceImage. Creates nothing. */
export function sourceAmi(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:source-ami',
    async run({ state, ui, signal }) {
      const o = env.options
      const f = o.sourceAmiFilter
      const res = await env.api.send(
        env.region,
        new DescribeImagesCommand(
          o.sourceAmi ? { ImageIds: [o.sourceAmi] } : { Filters: toFilters(f?.filters ?? {}), ...(f?.owners?.length ? { Owners: f.owners } : {}) },
        ),
        { signal },
      )
      const images = (res.Images ?? []).filter((i) => i.State === undefined || i.State === 'available')
      if (images.length === 0) {
        throw new TsimgError(
          'AWS_SOURCE_AMI_NOT_FOUND',
          o.sourceAmi ? `No AMI was found matching sourceAmi ${o.sourceAmi}` : 'No AMI was found matching filters',
          {
            hint: o.sourceAmi ? 'Check the id and region.' : 'Check sourceAmiFilter.filters and owners, and the region.',
          },
        )
      }
      if (images.length > 1 && !o.sourceAmi && !f?.mostRecent) {
        throw new TsimgError(
          'AWS_SOURCE_AMI_AMBIGUOUS',
          `Your query returned more than one result (${images.length}). Please try a more specific search, or set mostRecent: true.`,
        )
      }
      const image = newest(images)
      state.sourceImage = { id: image.ImageId!, name: image.Name ?? image.ImageId!, ...(image.RootDeviceName ? { rootDeviceName: image.RootDeviceName } : {}) }
      state.generated.SourceAMI = image.ImageId
      state.generated.SourceAMIName = image.Name
      state.generated.SourceImage = image.ImageId
      // The build's own region; tags of an AMI copied to another region get that region (tagImage).
      state.generated.BuildRegion = env.region
      ui.message(`Found Image ID: ${image.ImageId}`)
    },
  }
}

function newest(images: Image[]): Image {
  return [...images].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0]!
}
