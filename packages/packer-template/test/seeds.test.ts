import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TemplateError, inspect, validate } from '@tsimg/core/node'
import { convertTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')

// The seeds' own variables; the keys are dummies (validate and convert create nothing).
const alicloudVars = { access_key: 'LTAI-test-key', secret_key: 'test-secret' }
const huaweiVars = {
  region_name: 'cn-north-4',
  iam_access_key: 'HW-test-key',
  iam_secret_key: 'test-secret',
  ecs_vpc_id: 'vpc-seed',
  ecs_network_id: 'subnet-seed',
  ecs_secgrp_id: 'sg-seed',
  cce_source_image_id: 'img-seed',
}

describe('seed templates', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it.each([
    ['seed-001', 'alicloud.json', 'alicloud-ecs', '@tsimg/builder-alicloud', alicloudVars],
    ['seed-002', 'alicloud.json', 'alicloud-ecs', '@tsimg/builder-alicloud', alicloudVars],
    ['seed-000', 'turbo-node.pkr.hcl', 'huaweicloud-ecs', '@tsimg/builder-huawei', huaweiVars],
  ])('%s/%s validates as is, and the image.ts it converts to validates too', async (seed, file, builder, module, vars) => {
    const dir = mkdtempSync(join(tmpdir(), `tsimg-${seed}-`))
    dirs.push(dir)
    cpSync(join(fixtures, seed), dir, { recursive: true, dereference: true })

    const info = await validate({ templateFile: join(dir, file), vars, cwd: dir })
    expect(info.sources.map((s) => s.type)).toEqual([builder])

    const ts = await convertTemplate(join(dir, file), file, { cwd: dir })
    expect(ts).toContain(`from '${module}'`)
    writeFileSync(join(dir, 'image.ts'), ts)
    const converted = await validate({ templateFile: join(dir, 'image.ts'), vars, cwd: dir })
    expect(converted.sources.map((s) => s.type)).toEqual([builder])
    expect(converted.provisioners.map((p) => p.type)).toEqual(info.provisioners.map((p) => p.type))
    // seed 000's image name is formatdate() over timestamp(): core's formatdate() of the run's time, at build time.
    if (seed === 'seed-000') expect(ts).toContain('imageName: `cce-turbo-node-${formatdate("YYYYMMDDhhmmss")}`')
  })

  it('an alicloud-ecs option tsimg lacks is an error naming it at its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsimg-seed-001-'))
    dirs.push(dir)
    cpSync(join(fixtures, 'seed-001'), dir, { recursive: true, dereference: true })
    const json = readFileSync(join(dir, 'alicloud.json'), 'utf8').replace(
      '"io_optimized": "true"',
      '"io_optimized": "true",\n      "instance_charge_type": "PrePaid"',
    )
    writeFileSync(join(dir, 'alicloud.json'), json)
    const err = await validate({ templateFile: join(dir, 'alicloud.json'), vars: alicloudVars, cwd: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toContain('alicloud.json:21')
    expect((err as Error).message).toContain('instance_charge_type')
  })
})

describe('HCL2 templates', () => {
  it.each(['docker.pkr.hcl', 'docker.pkr.json'])('%s keeps provisioners in the order written, across types', async (file) => {
    const info = await inspect({ templateFile: join(fixtures, 'docker', file), vars: { greeting: 'hello' } })
    expect(info.provisioners.map((p) => p.type)).toEqual(['shell', 'file', 'shell', 'shell'])
    expect(info.postProcessors.map((p) => p.type)).toEqual(['docker-tag', 'manifest'])
  })

  it('an error in a .pkr.json template names its line in the JSON file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsimg-pkr-json-'))
    writeFileSync(
      join(dir, 'bad.pkr.json'),
      JSON.stringify({ source: { docker: { web: { image: 'x', imagee: 'y' } } }, build: { sources: ['source.docker.web'] } }, null, 2),
    )
    const err = await validate({ templateFile: join(dir, 'bad.pkr.json'), cwd: dir }).catch((e: unknown) => e)
    rmSync(dir, { recursive: true, force: true })
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/bad\.pkr\.json:6: source "docker" "web"\.imagee: unknown option/)
  })
})
