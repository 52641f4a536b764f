import type { GossSuite, LoadOptions } from './types.js'

/**
 * Reads a gossfile, its `gossfile:` includes (globs, relative to the including file) and its
 * template variables (`{{ .Vars.x }}`, `{{ .Env.X }}`). Anything tsimg does not interpret
 * (a resource type, attribute, matcher) is a GossfileError naming file:line and the key.
 */
export async function loadGossfile(path: string, options: LoadOptions = {}): Promise<GossSuite> {
  void path, options
  throw new Error('loadGossfile: not implemented yet')
}

/** The same as loadGossfile for a gossfile's text (includes resolve relative to `file`). */
export async function parseGossfile(text: string, file: string, options: LoadOptions = {}): Promise<GossSuite> {
  void text, file, options
  throw new Error('parseGossfile: not implemented yet')
}

/** The merged suite as one gossfile (goss render): what `inspect` prints. */
export function renderSuite(suite: GossSuite): string {
  void suite
  throw new Error('renderSuite: not implemented yet')
}
