// Every generated file, loaded once, so tests can look schemas up by full name.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf'

const genDir = join(import.meta.dirname, '../src/gen')

function listGenFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listGenFiles(join(dir, entry.name))
      : entry.name.endsWith('_pb.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

export async function loadRegistry(): Promise<Registry> {
  const files: DescFile[] = []
  for (const path of listGenFiles(genDir)) {
    const module = (await import(path)) as Record<string, unknown>
    for (const [name, value] of Object.entries(module)) {
      if (name.startsWith('file_')) files.push(value as DescFile)
    }
  }
  return createRegistry(...files)
}
