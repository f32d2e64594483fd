import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Secret } from '../../src/client/index.js';
import {
  columns,
  fieldText,
  goTime,
  goValue,
  headerForMap,
  humanDuration,
  listTable,
  mapTable,
  padEqualSigns,
  parseFormat,
  secretField,
  secretTable,
  toYamlText,
} from '../../src/cli/output.js';

function secret(overrides: Partial<Secret>): Secret {
  return { request_id: 'r', lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null, auth: null, ...overrides };
}

describe('table layout', () => {
  it('pads every column but the last and joins them with four spaces', () => {
    assert.equal(columns([['Key', 'Value'], ['a_long_key', 'v']]), 'Key           Value\na_long_key    v');
  });

  it('shows an empty cell as n/a', () => {
    assert.equal(columns([['deletion_time', '']]), 'deletion_time    n/a');
  });

  it('prints a map as a sorted Key/Value table with dashes under the header', () => {
    assert.equal(mapTable({ foo: 'bar', baz: 1 }), 'Key    Value\n---    -----\nbaz    1\nfoo    bar');
  });

  it('prints list keys sorted under a Keys header', () => {
    assert.equal(listTable(['b', 'a/']), 'Keys\n----\na/\nb');
  });
});

describe('Go-style values', () => {
  it('formats null, lists and maps as %v does', () => {
    assert.equal(goValue(null), '<nil>');
    assert.equal(goValue(['default', 'root']), '[default root]');
    assert.equal(goValue({ b: 2, a: 'x' }), 'map[a:x b:2]');
  });

  it('trims durations the way Vault does', () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(2_764_800), '768h');
    assert.equal(humanDuration(90), '1m30s');
    assert.equal(humanDuration(300), '5m');
    assert.equal(humanDuration(3_661), '1h1m1s');
  });

  it('prints duration-like keys as durations', () => {
    assert.equal(mapTable({ ttl: 3600, creation_ttl: '60' }), 'Key             Value\n---             -----\ncreation_ttl    1m\nttl             1h');
  });

  it('renders an RFC 3339 time as Go time.String()', () => {
    assert.equal(goTime('2024-05-01T10:00:00.120000Z'), '2024-05-01 10:00:00.12 +0000 UTC');
  });
});

describe('section headers', () => {
  it('centres the title in equal signs sized to the table', () => {
    // widest key "custom_metadata" (15) + 4 + 5 = 24 → 24 - 10 = 14 signs, 7 each side.
    assert.equal(headerForMap('Metadata', { custom_metadata: null, version: 1 }), '======= Metadata =======');
    assert.equal(headerForMap('Data', { foo: 'bar' }), '=== Data ===');
  });

  it('always keeps at least two signs on each side', () => {
    assert.equal(padEqualSigns('Secret Path', 5), '== Secret Path ==');
  });
});

describe('secret table', () => {
  it('shows token fields for an auth response, with an infinite duration for a zero lease', () => {
    const text = secretTable(
      secret({
        auth: { client_token: 'hvs.x', accessor: 'acc', policies: ['root'], token_policies: ['root'], metadata: null, lease_duration: 0, renewable: false },
      }),
    );
    assert.equal(
      text,
      [
        'Key                  Value',
        '---                  -----',
        'token                hvs.x',
        'token_accessor       acc',
        'token_duration       ∞',
        'token_renewable      false',
        'token_policies       ["root"]',
        'identity_policies    []',
        'policies             ["root"]',
      ].join('\n'),
    );
  });

  it('shows wrap_info rows with their trailing colons', () => {
    const text = secretTable(
      secret({
        wrap_info: { token: 'hvs.w', accessor: 'wa', ttl: 300, creation_time: '2024-05-01T10:00:00Z', creation_path: 'secret/data/a', wrapped_accessor: '' },
      }),
    );
    assert.match(text, /^wrapping_token:\s{18}hvs\.w$/m);
    assert.match(text, /^wrapping_token_ttl:\s+5m$/m);
    assert.match(text, /^wrapping_token_creation_time:\s+2024-05-01 10:00:00 \+0000 UTC$/m);
    assert.doesNotMatch(text, /wrapped_accessor/);
  });

  it('shows a KV v1 TTL hint as refresh_interval', () => {
    assert.match(secretTable(secret({ lease_duration: 3600, data: { a: '1' } })), /^refresh_interval\s+1h$/m);
  });
});

describe('-field', () => {
  it('addresses token fields of an auth response', () => {
    const s = secret({ auth: { client_token: 'hvs.t', accessor: 'a', policies: [], token_policies: ['default'], metadata: null, lease_duration: 60, renewable: true } });
    assert.equal(secretField(s, 'token'), 'hvs.t');
    assert.deepEqual(secretField(s, 'token_policies'), ['default']);
  });

  it('addresses wrapping fields of a wrapped response', () => {
    const s = secret({ wrap_info: { token: 'hvs.w', accessor: 'wa', ttl: 60, creation_time: 't', creation_path: 'p', wrapped_accessor: '' } });
    assert.equal(secretField(s, 'wrapping_token'), 'hvs.w');
  });

  it('falls back to a data key', () => {
    assert.equal(secretField(secret({ data: { password: 'pw' } }), 'password'), 'pw');
  });

  it('prints a value raw for table and structured otherwise', () => {
    assert.equal(fieldText(['a', 'b'], 'table'), '[a b]');
    assert.equal(fieldText(['a', 'b'], 'json'), '[\n  "a",\n  "b"\n]');
  });
});

describe('formats', () => {
  it('accepts yml as yaml and rejects unknown formats', () => {
    assert.equal(parseFormat('yml'), 'yaml');
    assert.equal(parseFormat(undefined), 'table');
    assert.equal(parseFormat('xml'), undefined);
  });

  it('sorts keys in YAML output', () => {
    assert.equal(toYamlText({ b: 1, a: { d: 2, c: 3 } }), 'a:\n  c: 3\n  d: 2\nb: 1');
  });
});
