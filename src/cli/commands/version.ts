import { readFile } from 'node:fs/promises';
import { EXIT_OK } from '../exit-codes.js';
import { parseFlags } from '../flags.js';
import type { CliIo } from '../session.js';

/** package.json of this checkout or install (this file runs from dist/src/cli/commands/). */
export const PACKAGE_JSON = new URL('../../../../package.json', import.meta.url);

/** `version` (and `-version`): prints "Coffer v<version>", as Vault prints "Vault v<version>". */
export async function versionCommand(io: CliIo, args: readonly string[]): Promise<number> {
  parseFlags(args, {});
  const { version } = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string };
  io.stdout(`Coffer v${version}\n`);
  return EXIT_OK;
}
