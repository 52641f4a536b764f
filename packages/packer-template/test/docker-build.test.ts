import { execFileSync } from 'node:child_process'
import { mkdtempSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from '@tsimg/core/node'
import { convertTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-'))
cpSync(join(fixtures, 'docker'), dir, { recursive: true })
const images: string[] = []
process.env.TSIMG_TEST_GREETING = 'hi there'

function read(image: string): string {
  return execFileSync('docker', ['run', '--rm', image, 'sh', '-c', 'cat /etc/greeting /etc/builder /etc/file-greeting /etc/build-name; echo $BUILT_BY'], {
    encoding: 'utf8',
  })
}

async function buildAndRead(templateFile: string, vars: Record<string, string>, image: string): Promise<string> {
  const r = await build({ templateFile, vars, stateDir: join(dir, 'state'), typecheck: true, cwd: dir })
  images.push(image)
  expect(r.builds.map((b) => [b.outcome, b.error?.message])).toEqual([['success', undefined]])
  return read(image)
}

afterAll(() => {
  for (const i of images) execFileSync('docker', ['rmi', '-f', i], { stdio: 'ignore' })
  rmSync(dir, { recursive: true, force: true })
})

// Each builds a real image; on a busy two-core machine that can take minutes.
describe('Packer templates for the docker builder', { timeout: 900_000 }, () => {
  const expected = 'hi there\nbuilt-by-docker\nhello from a file\nweb\npacker-template\n'

  it("a JSON template builds an image holding what it provisioned; each post-processor chain starts from the builder's artifact", async () => {
    expect(await buildAndRead(join(dir, 'docker.json'), { repo: 'tsimg/packer-json-test' }, 'tsimg/packer-json-test:v1')).toBe(expected)
    // [[docker-tag, manifest], manifest]: the manifest in docker-tag's chain records the tag; the next chain gets the image itself.
    const recorded = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { builds: { artifact_id: string }[] }).builds.at(-1)!.artifact_id
    expect(recorded('manifest-json-tagged.json')).toContain('tsimg/packer-json-test:v1')
    expect(recorded('manifest-json.json')).toMatch(/^sha256:[0-9a-f]{12,}$/)
  })

  it('an HCL2 template builds the same image', async () => {
    expect(await buildAndRead(join(dir, 'docker.pkr.hcl'), { repo: 'tsimg/packer-hcl-test' }, 'tsimg/packer-hcl-test:v1')).toBe(expected)
  })

  it("the same template in HCL's JSON syntax (.pkr.json) builds the same image", async () => {
    expect(await buildAndRead(join(dir, 'docker.pkr.json'), { repo: 'tsimg/packer-pkr-json-test' }, 'tsimg/packer-pkr-json-test:v1')).toBe(expected)
  })

  it('the image.ts that tsimg convert writes builds the same image', async () => {
    // Its {{ .BuildName }} and {{ build_type }} become a lateProvisioner, filled when it runs.
    const ts = await convertTemplate(join(dir, 'docker.json'), 'docker.json')
    expect(ts).toContain('lateProvisioner(shell, ')
    writeFileSync(join(dir, 'image.ts'), ts)
    expect(await buildAndRead(join(dir, 'image.ts'), { repo: 'tsimg/packer-ts-test' }, 'tsimg/packer-ts-test:v1')).toBe(expected)
  })
})
