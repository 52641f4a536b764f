// What a Packer option becomes in tsimg, read from the image.ts that tsimg convert writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { convertTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-mapping-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function converted(name: string, text: string): Promise<string> {
  writeFileSync(join(dir, name), text)
  return convertTemplate(join(dir, name), name, { cwd: dir })
}

describe('Packer options mapped to tsimg options', () => {
  it('alicloud-ecs image_family picks the source image; target_image_family is the new image\'s family', async () => {
    const ts = await converted('ali.json', JSON.stringify({
      builders: [{ type: 'alicloud-ecs', region: 'cn-hangzhou', instance_type: 'ecs.g7.large', image_name: 'web', image_family: 'acs:debian_12_x64', target_image_family: 'tsimg-web', ssh_username: 'root' }],
    }, null, 2))
    expect(ts).toContain("sourceImageFamily: 'acs:debian_12_x64'")
    expect(ts).toContain("imageFamily: 'tsimg-web'")
    // No endpoint in the template: the image.ts reads the same environment variable the template run does.
    expect(ts).toContain("endpoint: env('TSIMG_ALICLOUD_ENDPOINT') || undefined")
  })
})
