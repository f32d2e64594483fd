import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/server/config.js';

/** The message of the ConfigError that loading `text` as `file` fails with (fails the test if it loads). */
export async function configError(file: string, text: string): Promise<string> {
  try {
    await parseConfig(file, text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('config was accepted');
}
