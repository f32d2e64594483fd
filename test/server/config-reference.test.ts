import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { unknownOptions, wrongTypes } from '../../src/server/config-keys.js';
import { CONFIG_BLOCKS, type ConfigBlock } from '../../src/server/config-options.js';
import { renderConfigReference } from '../../src/server/config-reference.js';
import { configError } from '../harness/config.js';
import { REPO_ROOT } from '../harness/server.js';

// docs/CONFIGURATION.md is generated from the option table the loader checks keys against, so the
// reference and the parser cannot drift; and every block refuses a key it does not know, by line.

const SQLITE = 'storage "sqlite" {\n  path = "/tmp/x.db"\n}\n';
const LISTENER = 'listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n';

describe('docs/CONFIGURATION.md', () => {
  it('is exactly what the option table generates (run `npm run docs:config` after changing it)', async () => {
    const committed = await readFile(`${REPO_ROOT}/docs/CONFIGURATION.md`, 'utf8');
    assert.equal(committed, renderConfigReference());
  });

  it('documents every option of every block with a description, an example and its default', async () => {
    const doc = renderConfigReference();
    for (const block of CONFIG_BLOCKS) {
      for (const option of block.options) {
        assert.ok(option.description.length > 10, `${block.id} ${option.name}: no description`);
        assert.ok(option.example.length > 0, `${block.id} ${option.name}: no example`);
        const entry = doc.includes(`- \`${option.name}\` (${option.type}, `);
        assert.ok(entry, `${block.id} ${option.name} missing from the reference`);
        if (option.default !== undefined) assert.ok(doc.includes(`default: \`${option.default}\``), `${block.id} ${option.name}: default`);
      }
    }
    assert.match(doc, /`ui = true` starts nothing until the UI lands/);
    assert.match(doc, /Without a `seal` stanza it is `shamir`/);
  });
});

describe('unknown keys are refused in every block, naming file and line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['top level', `${SQLITE}${LISTENER}colour = "blue"\n`, 8, /unknown configuration key "colour"/],
    ['storage "sqlite"', 'storage "sqlite" {\n  path = "/tmp/x.db"\n  paht = "/tmp/y.db"\n}\n' + LISTENER, 3, /storage "sqlite": unknown option "paht"/],
    ['storage "inmem"', 'storage "inmem" {\n  size = 3\n}\n' + LISTENER, 2, /storage "inmem": unknown option "size"/],
    ['storage "etcd"', 'storage "etcd" {\n  address = "http://127.0.0.1:2379"\n  adress = "x"\n}\n' + LISTENER, 3, /storage "etcd": unknown option "adress"/],
    ['listener "tcp"', `${SQLITE}listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disabled = true\n}\n`, 6, /listener "tcp": unknown option "tls_disabled"/],
    ['listener "tcp" telemetry', `${SQLITE}listener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n  telemetry {\n    metrics = true\n  }\n}\n`, 8, /listener "tcp" telemetry: unknown option "metrics"/],
    ['seal "shamir"', `${SQLITE}${LISTENER}seal "shamir" {\n  shares = 5\n}\n`, 9, /seal "shamir": unknown option "shares"/],
    ['seal "local"', `${SQLITE}${LISTENER}seal "local" {\n  keyfile = "/k"\n}\n`, 9, /seal "local": unknown option "keyfile"/],
    ['seal "awskms"', `${SQLITE}${LISTENER}seal "awskms" {\n  kms_key_id = "alias/x"\n  access_key = "AKIA"\n}\n`, 10, /seal "awskms": unknown option "access_key"/],
    ['seal "pkcs11"', `${SQLITE}${LISTENER}seal "pkcs11" {\n  lib = "/lib.so"\n  key_label = "k"\n  pinn = "1234"\n}\n`, 11, /seal "pkcs11": unknown option "pinn"/],
    ['seal "transit"', `${SQLITE}${LISTENER}seal "transit" {\n  address = "https://t:8200"\n  key_name = "k"\n  mount = "transit/"\n}\n`, 11, /seal "transit": unknown option "mount"/],
    ['telemetry', `${SQLITE}${LISTENER}telemetry {\n  prometheus_retention = "1h"\n}\n`, 9, /telemetry: unknown option "prometheus_retention"/],
    ['kms_rewrap', `${SQLITE}${LISTENER}kms_rewrap {\n  rate = 5\n}\n`, 9, /kms_rewrap: unknown option "rate"/],
  ];
  for (const [block, text, line, message] of cases) {
    it(block, async () => {
      const error = await configError('/etc/coffer/coffer.hcl', text);
      assert.match(error, message);
      assert.ok(error.startsWith(`/etc/coffer/coffer.hcl:${line}: `), error);
    });
  }

  it('covers every block of the option table', () => {
    const covered = cases.map(([block]) => (block === 'top level' ? '' : block)).sort();
    assert.deepEqual(covered, CONFIG_BLOCKS.map((block) => block.id).sort());
  });

  it('in JSON too, with the line of the key', async () => {
    const json = '{\n  "storage": {"sqlite": {"path": "/tmp/x.db"}},\n  "listener": {"tcp": {\n    "address": "127.0.0.1:0",\n    "tls_disable": true,\n    "max_request_sise": 10\n  }}\n}\n';
    const error = await configError('/etc/coffer/coffer.json', json);
    assert.match(error, /^\/etc\/coffer\/coffer\.json:6: listener "tcp": unknown option "max_request_sise"/);
  });
});

/** The block's id as HCL around `body`: `listener "tcp" telemetry` → listener "tcp" { telemetry { body } }. */
function wrapIn(block: ConfigBlock, body: string): string {
  const heads = block.id.match(/[a-z_]+( "[^"]+")?/g) ?? [];
  return heads.reduceRight((inner, head) => `${head} {\n${inner}\n}`, body);
}

describe('the option table checks values by type', () => {
  it("accepts every option's own example, in every block", async () => {
    for (const block of CONFIG_BLOCKS) {
      const lines = block.options.filter((o) => o.type !== 'block' && o.type !== 'labelled block').map((o) => `${o.name} = ${o.example}`);
      const text = wrapIn(block, lines.join('\n'));
      const raw = (await parseHcl('example.hcl', text)) as Record<string, unknown>;
      assert.deepEqual(unknownOptions('example.hcl', text, raw), [], text);
      assert.deepEqual(wrongTypes('example.hcl', text, raw), [], text);
    }
  });

  const cases: [string, string, number, RegExp][] = [
    ['top-level bool', `${SQLITE}${LISTENER}ui = "yes"\n`, 8, /^ui must be true or false, got "yes"/],
    ['top-level string', `${SQLITE}${LISTENER}cluster_name = 5\n`, 8, /^cluster_name must be a string, got 5/],
    ['telemetry', `${SQLITE}${LISTENER}telemetry {\n  disable_hostname = "maybe"\n}\n`, 9, /^telemetry: disable_hostname must be true or false, got "maybe"/],
    ['telemetry list', `${SQLITE}${LISTENER}telemetry {\n  prefix_filter = [1, 2]\n}\n`, 9, /^telemetry: prefix_filter must be a list of strings/],
  ];
  for (const [name, text, line, message] of cases) {
    it(`refuses a mistyped value (${name}), naming file and line`, async () => {
      const error = await configError('/etc/coffer/coffer.hcl', text);
      const prefix = `/etc/coffer/coffer.hcl:${line}: `;
      assert.ok(error.startsWith(prefix), error);
      assert.match(error.slice(prefix.length), message);
    });
  }

  it('reads bools as the loader does (Go\'s ParseBool, or 0/1): "True", "t", 1 pass; "yes" does not', async () => {
    const ok = `${SQLITE}${LISTENER}ui = "True"\ndisable_mlock = 1\ntelemetry {\n  disable_hostname = "t"\n}\n`;
    assert.deepEqual(wrongTypes('x.hcl', ok, (await parseHcl('x.hcl', ok)) as Record<string, unknown>), []);
    const error = await configError('/etc/coffer/coffer.hcl', `${SQLITE}${LISTENER}ui = "yes"\n`);
    assert.match(error, /^\/etc\/coffer\/coffer\.hcl:8: ui must be true or false/);
  });

});
