import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TemplateError, inspect, validate } from '@tsimg/core'
import { convertTemplate } from '@tsimg/packer-template'
import { describe, expect, it } from 'vitest'

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')

// Today's honest answer for the seeds' cloud builders; switch these to real validation
// (and an emulator build) when alicloud-ecs and huaweicloud-ecs land.
describe('seed templates', () => {
  it.each([
    ['seed-001/alicloud.json', 'alicloud.json:11', 'alicloud-ecs'],
    ['seed-002/alicloud.json', 'alicloud.json:6', 'alicloud-ecs'],
    ['seed-000', 'turbo-node.pkr.hcl:65', 'huaweicloud-ecs'],
  ])('%s is read, and its builder is reported as not supported yet at its line', async (path, where, builder) => {
    const err = await validate({ templateFile: join(fixtures, path) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toContain(where)
    expect((err as Error).message).toContain(`builder "${builder}" is not supported`)
    expect((err as TemplateError).hint).toContain('not supported yet')
    const conv = await convertTemplate(join(fixtures, path), path).catch((e: unknown) => e)
    expect((conv as Error).message).toContain(`builder "${builder}" is not supported`)
  })
})

describe('HCL2 templates', () => {
  it('keeps provisioners in the order written, across types', async () => {
    const info = await inspect({ templateFile: join(fixtures, 'docker/docker.pkr.hcl'), vars: { greeting: 'hello' } })
    expect(info.provisioners.map((p) => p.type)).toEqual(['shell', 'file', 'shell', 'shell'])
    expect(info.postProcessors.map((p) => p.type)).toEqual(['docker-tag', 'manifest'])
  })
})
