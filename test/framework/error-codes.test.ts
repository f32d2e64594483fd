import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/framework/error-codes.js';
import { REPO_ROOT } from '../harness/server.js';

// The error catalogue (Fastify's pattern): every code has its row (status, public message,
// documentation) and is documented in docs/ARCHITECTURE.md; no throw site picks a raw status.

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const src = sources(join(REPO_ROOT, 'src')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

describe('error codes', () => {
  it('every row has an HTTP error status, a public message and its documentation', () => {
    for (const [code, row] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/, code);
      assert.ok(row.status >= 400 && row.status <= 599, `${code}: status ${row.status}`);
      assert.ok(row.message.length > 0, `${code}: no public message`);
      assert.ok(row.doc.length > 10, `${code}: no documentation`);
    }
  });

  it('every code a throw site names has its row', () => {
    for (const { file, text } of src) {
      for (const match of text.matchAll(/(?:new CofferError|super)\(\s*'([a-z_]+)'/g)) {
        assert.ok(match[1]! in ERROR_CODES, `${file}: code "${match[1]}" has no row`);
      }
    }
  });

  it('no throw site picks a raw status, and no control flow compares an error status or message', () => {
    // The CLI and the SDK look at the remote's HTTP status on purpose: that is their input.
    for (const { file, text } of src.filter(({ file }) => !/\/src\/(cli|client)\//.test(file))) {
      assert.doesNotMatch(text, /new CofferError\(\s*\d/, `${file} throws a raw status`);
      assert.doesNotMatch(text, /err(or)?\.status\s*[!=]==?\s*\d/, `${file} compares an error's status`);
      assert.doesNotMatch(text, /err(or)?\.message\s*[!=]==/, `${file} compares an error's message`);
    }
  });

  it('docs/ARCHITECTURE.md documents every code with its status', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    for (const [code, row] of Object.entries(ERROR_CODES)) {
      assert.match(doc, new RegExp(`^\\| \`${code}\` \\| ${row.status} \\|`, 'm'), `${code} missing from the error table`);
    }
  });
});
