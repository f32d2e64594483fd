import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/server/config.js';
import { configError } from '../harness/config.js';

const valid = `storage "sqlite" {
  path = "/var/lib/coffer/coffer.db"
}

listener "tcp" {
  address     = "127.0.0.1:8200"
  tls_disable = true
}

api_addr = "http://127.0.0.1:8200"
ui       = true
`;

describe('server configuration', () => {
  it('reads storage, listener, api_addr and ui from Vault-shaped HCL', async () => {
    const config = await parseConfig('coffer.hcl', valid);
    assert.deepEqual(config.storage, { type: 'sqlite', path: '/var/lib/coffer/coffer.db' });
    assert.deepEqual(config.listeners, [{ address: '127.0.0.1:8200', tlsDisable: true }]);
    assert.equal(config.apiAddr, 'http://127.0.0.1:8200');
    assert.equal(config.ui, true);
  });

  it('reads the same configuration written as JSON', async () => {
    const json = JSON.stringify({
      storage: { sqlite: { path: '/data/coffer.db' } },
      listener: [{ tcp: { address: '0.0.0.0:8200', tls_disable: 'true' } }],
    });
    const config = await parseConfig('coffer.json', json);
    assert.deepEqual(config.storage, { type: 'sqlite', path: '/data/coffer.db' });
    assert.deepEqual(config.listeners, [{ address: '0.0.0.0:8200', tlsDisable: true }]);
  });

  it('names the file and line of an HCL syntax error', async () => {
    const message = await configError('bad.hcl', 'storage "sqlite" {\n  path = \n}\n');
    assert.match(message, /^bad\.hcl:2,/);
  });

  it('names the line of an unknown storage type', async () => {
    const message = await configError('c.hcl', 'listener "tcp" {\n  tls_disable = true\n}\nstorage "mysql" {\n}\n');
    assert.match(message, /^c\.hcl:4: unknown storage type "mysql"/);
  });

  it('names the line of a JSON syntax error', async () => {
    const message = await configError('c.json', '{\n  "storage": {\n    "sqlite": { "path": 1 ,, }\n  }\n}');
    assert.match(message, /^c\.json:3: invalid JSON/);
  });

  it('refuses a listener without TLS files unless tls_disable is set', async () => {
    const message = await configError('c.hcl', 'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n}\n');
    assert.match(message, /tls_cert_file and tls_key_file, or tls_disable = true/);
  });

  it('refuses a listener address that is not host:port', async () => {
    const message = await configError('c.hcl', 'storage "inmem" {}\nlistener "tcp" {\n  address = "localhost"\n  tls_disable = true\n}\n');
    assert.match(message, /^c\.hcl:3: listener address must be host:port/);
  });

  it('refuses an unknown top-level key, naming its line', async () => {
    const message = await configError('c.hcl', `${valid}\nstorage_typo = 1\n`);
    assert.match(message, /^c\.hcl:13: unknown configuration key "storage_typo"/);
  });

  it('refuses a default_max_request_duration that is not a duration, naming its line', async () => {
    const message = await configError('c.hcl', `${valid}\ndefault_max_request_duration = "x"\n`);
    assert.match(message, /^c\.hcl:13: default_max_request_duration must be a duration such as "90s", got "x"/);
  });
});
