import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's SoftHSM module (apt-get install softhsm2; scripts/test-deps.sh installs it). */
export const SOFTHSM_LIB = '/usr/lib/softhsm/libsofthsm2.so';
export const TOKEN_LABEL = 'coffer-test';
export const USER_PIN = '1234';
const SO_PIN = '5678';

/** A SoftHSM token of its own in a temp dir: `env` points SoftHSM at it (SOFTHSM2_CONF). */
export interface SoftHsmToken {
  dir: string;
  env: { SOFTHSM2_CONF: string };
  destroy(): Promise<void>;
}

/** Creates a temp softhsm2.conf whose token dir is in the temp dir, and initializes a token "coffer-test" there. */
export async function createSoftHsmToken(): Promise<SoftHsmToken> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens);
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf };
  await promisify(execFile)('softhsm2-util', ['--init-token', '--free', '--label', TOKEN_LABEL, '--pin', USER_PIN, '--so-pin', SO_PIN], {
    env: { ...process.env, ...env },
  });
  return { dir, env, destroy: () => rm(dir, { recursive: true, force: true }) };
}
