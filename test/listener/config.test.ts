import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/server/config.js';
import { configError } from '../harness/config.js';
import { runServer, tcpListener } from '../harness/server.js';

// The listener's client-address options as the config loader reads them: Vault's x_forwarded_for_*
// (lists as HCL lists or comma-separated strings, defaults hop_skips 0 and both reject flags true)
// and secret_read_allowed_cidrs, where a bad entry stops the load with the file and line.

const STORAGE = 'storage "inmem" {}\n';
const listener = (body: string) => `${STORAGE}listener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n${body}}\n`;

async function settingsOf(text: string, file = 'coffer.hcl') {
  return (await parseConfig(file, text)).listeners[0]!.settings;
}

describe('listener client-address options in the config file', () => {
  it('reads Vault\'s x_forwarded_for_* with its defaults: hop_skips 0, both reject flags true', async () => {
    const settings = await settingsOf(listener('  x_forwarded_for_authorized_addrs = "10.0.0.0/8, 192.168.1.10"\n'));
    assert.deepEqual(settings, {
      forwardedFor: { authorizedAddrs: ['10.0.0.0/8', '192.168.1.10/32'], hopSkips: 0, rejectNotAuthorized: true, rejectNotPresent: true },
    });
  });

  it('reads them as a list too, with hop_skips and the reject flags as numbers, booleans or strings', async () => {
    const settings = await settingsOf(
      listener(
        '  x_forwarded_for_authorized_addrs = ["::1", "fd00::/8"]\n  x_forwarded_for_hop_skips = "2"\n' +
          '  x_forwarded_for_reject_not_authorized = false\n  x_forwarded_for_reject_not_present = "false"\n',
      ),
    );
    assert.deepEqual(settings?.forwardedFor, { authorizedAddrs: ['::1/128', 'fd00::/8'], hopSkips: 2, rejectNotAuthorized: false, rejectNotPresent: false });
  });

  it('leaves X-Forwarded-For off when authorized_addrs is absent or empty, as Vault does', async () => {
    assert.equal(await settingsOf(listener('  x_forwarded_for_hop_skips = 1\n')), undefined);
    assert.equal(await settingsOf(listener('  x_forwarded_for_authorized_addrs = ""\n')), undefined);
  });

  it('reads secret_read_allowed_cidrs as canonical blocks; an empty list stays an empty list (deny all)', async () => {
    assert.deepEqual(await settingsOf(listener('  secret_read_allowed_cidrs = ["10.0.0.0/8", "::1/128", "127.0.0.1", "::ffff:192.0.2.0/120"]\n')), {
      secretReadAllowedCidrs: ['10.0.0.0/8', '::1/128', '127.0.0.1/32', '192.0.2.0/24'],
    });
    assert.deepEqual(await settingsOf(listener('  secret_read_allowed_cidrs = []\n')), { secretReadAllowedCidrs: [] });
    assert.deepEqual(await settingsOf(listener('  secret_read_allowed_cidrs = ""\n')), { secretReadAllowedCidrs: [] });
  });

  it('adds no settings to a listener that has none of these options', async () => {
    assert.equal(await settingsOf(listener('')), undefined);
  });

  it('refuses a bad entry in secret_read_allowed_cidrs, naming the file, its line and the entry', async () => {
    const text = `${STORAGE}listener "tcp" {
  address = "127.0.0.1:8200"
  tls_disable = true
  secret_read_allowed_cidrs = [
    "10.0.0.0/8",
    "10.0.0.0/33",
  ]
}
`;
    assert.match(await configError('/etc/coffer.hcl', text), /^\/etc\/coffer\.hcl:7: invalid CIDR block "10\.0\.0\.0\/33" in secret_read_allowed_cidrs$/);
  });

  it('refuses entries that are not plain CIDR blocks: octal or short IPv4, garbage, zones, a number', async () => {
    for (const bad of ['"010.0.0.0/8"', '"127.1/32"', '"not-a-cidr"', '"10.0.0.0/8/8"', '"fe80::1%eth0/64"', '"10.0.0.0/-1"', '"10.0.0.0/ 8"']) {
      assert.match(await configError('coffer.hcl', listener(`  secret_read_allowed_cidrs = [${bad}]\n`)), /^coffer\.hcl:5: invalid CIDR block .* in secret_read_allowed_cidrs$/, bad);
    }
    assert.match(await configError('coffer.hcl', listener('  secret_read_allowed_cidrs = [8]\n')), /^coffer\.hcl:5: invalid CIDR block "8" in secret_read_allowed_cidrs$/);
    assert.match(await configError('coffer.hcl', listener('  secret_read_allowed_cidrs = true\n')), /^coffer\.hcl:5: secret_read_allowed_cidrs must be a list of CIDR blocks$/);
  });

  it('refuses a bad trusted-proxy block, a negative or fractional hop_skips and a non-boolean reject flag', async () => {
    assert.match(await configError('coffer.hcl', listener('  x_forwarded_for_authorized_addrs = "10.0.0.0/8, 10.0.0.300"\n')), /^coffer\.hcl:5: invalid CIDR block "10\.0\.0\.300" in x_forwarded_for_authorized_addrs$/);
    const proxy = '  x_forwarded_for_authorized_addrs = ["10.0.0.1"]\n';
    assert.match(await configError('coffer.hcl', listener(`${proxy}  x_forwarded_for_hop_skips = -1\n`)), /^coffer\.hcl:6: x_forwarded_for_hop_skips must be a non-negative integer/);
    assert.match(await configError('coffer.hcl', listener(`${proxy}  x_forwarded_for_hop_skips = 1.5\n`)), /^coffer\.hcl:6: x_forwarded_for_hop_skips must be a non-negative integer/);
    assert.match(await configError('coffer.hcl', listener(`${proxy}  x_forwarded_for_reject_not_present = "yes"\n`)), /^coffer\.hcl:6: x_forwarded_for_reject_not_present must be true or false/);
  });

  it('names the line of a bad entry in a JSON configuration too', async () => {
    const json = `{
  "storage": { "inmem": {} },
  "listener": { "tcp": {
    "address": "127.0.0.1:8200",
    "tls_disable": true,
    "secret_read_allowed_cidrs": ["127.0.0.1/32",
      "bogus"]
  } }
}
`;
    assert.match(await configError('coffer.json', json), /^coffer\.json:7: invalid CIDR block "bogus" in secret_read_allowed_cidrs$/);
  });
});

describe('coffer server with a bad allowlist entry', () => {
  it('exits 1 without serving, naming the file and line of the bad CIDR block', async () => {
    // Lines 1-3: storage; line 4: listener; the bad entry on line 8.
    const lines = ['tls_disable = true', 'secret_read_allowed_cidrs = ["127.0.0.1/32",', '  "::1/129"]'];
    const { code, stdout, stderr, configFile } = await runServer({ config: { listeners: [tcpListener('127.0.0.1:0', lines)] }, configName: 'bad.hcl' });
    assert.equal(code, 1, `exit code; stderr: ${stderr}`);
    assert.ok(stderr.includes(`${configFile}:8: invalid CIDR block "::1/129" in secret_read_allowed_cidrs`), stderr);
    assert.doesNotMatch(stdout, /Api Address/);
  });
});
