import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run as runInProcess } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/session.js';
import { startSealServer, storeDir, type SealServer } from '../seal/fixture.js';
import { cleanEnv, runCli, tableValue, type CliRun } from '../harness/cli.js';
import { EXIT_API_ERROR, EXIT_USAGE } from '../../src/cli/exit-codes.js';

// `coffer operator init|unseal|seal|rekey` and `coffer status`, run as bin/coffer.js subprocesses
// against real `coffer server` processes whose config has `seal "shamir" {}`.

const SHAMIR = 'seal "shamir" {}';
/** `status` exits 2 against a sealed server, as Vault's does. */
const EXIT_SEALED = 2;
/** `operator init -status` exits 2 against an uninitialized server, as Vault's does. */
const EXIT_NOT_INITIALIZED = 2;

interface InitJson {
  unseal_keys_b64: string[];
  unseal_keys_hex: string[];
  unseal_shares: number;
  unseal_threshold: number;
  recovery_keys_b64: string[];
  recovery_keys_hex: string[];
  recovery_keys_shares: number;
  recovery_keys_threshold: number;
  root_token: string;
}

describe('coffer operator against a server with seal "shamir"', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let home: string;
  let keys: string[] = [];
  let rootToken = '';

  /** bin/coffer.js with COFFER_ADDR set, a private HOME, the root token once known, and `stdin`. */
  const coffer = (args: readonly string[], options: { token?: string; stdin?: string } = {}): Promise<CliRun> => {
    const token = options.token ?? rootToken;
    const env = cleanEnv({ HOME: home, COFFER_ADDR: server.address, ...(token ? { COFFER_TOKEN: token } : {}) });
    return runCli(args, { env, stdin: options.stdin });
  };
  const expectExit = async (args: readonly string[], code: number, options: { token?: string; stdin?: string } = {}): Promise<CliRun> => {
    const result = await coffer(args, options);
    assert.equal(result.code, code, `coffer ${args.join(' ')} exited ${result.code}, expected ${code}:\n${result.stderr}${result.stdout}`);
    return result;
  };
  /** Submits shares one by one; answers each run's stdout (a seal status table). */
  const unsealWith = async (shares: readonly string[]): Promise<string[]> => {
    const tables: string[] = [];
    for (const share of shares) tables.push((await expectExit(['operator', 'unseal', share], 0)).stdout);
    return tables;
  };

  before(async () => {
    dir = await storeDir();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-operator-'));
    server = await startSealServer(dir.path, { seal: SHAMIR });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
    await rm(home, { recursive: true, force: true });
  });

  it('status before init shows Seal Type shamir, not initialized, sealed, and exits 2', async () => {
    const { stdout } = await expectExit(['status'], EXIT_SEALED);
    assert.equal(tableValue(stdout, 'Seal Type'), 'shamir');
    assert.equal(tableValue(stdout, 'Initialized'), 'false');
    assert.equal(tableValue(stdout, 'Sealed'), 'true');
  });

  it('operator init -status says not initialized and exits 2', async () => {
    const { stdout } = await expectExit(['operator', 'init', '-status'], EXIT_NOT_INITIALIZED);
    assert.equal(stdout.trim(), 'Vault is not initialized');
  });

  it('usage errors exit 2 and leave the store uninitialized', async () => {
    const cases: [string[], RegExp][] = [
      [['operator'], /Usage: coffer operator <subcommand>/],
      [['operator', 'frobnicate'], /Unknown subcommand "operator frobnicate"/],
      [['operator', 'init', 'extra'], /Too many arguments/],
      [['operator', 'init', '-key-shares=five'], /invalid value "five" for flag -key-shares/],
      [['operator', 'init', '-no-such-flag'], /flag provided but not defined: -no-such-flag/],
      [['operator', 'init', '-pgp-keys=keybase:alice'], /-pgp-keys is not supported yet/],
      [['operator', 'init', '-root-token-pgp-key=keybase:alice'], /-root-token-pgp-key is not supported yet/],
      [['operator', 'unseal', 'a', 'b'], /Too many arguments/],
      [['operator', 'unseal', '-reset', 'a'], /Too many arguments/],
      [['operator', 'seal', 'extra'], /Too many arguments/],
    ];
    for (const [args, message] of cases) {
      const { stderr } = await expectExit(args, EXIT_USAGE);
      assert.match(stderr, message, `coffer ${args.join(' ')}`);
    }
    assert.equal((await expectExit(['operator', 'init', '-status'], EXIT_NOT_INITIALIZED)).stdout.trim(), 'Vault is not initialized');
  });

  it('operator unseal with no key and no terminal refuses with exit 1 instead of waiting', async () => {
    const { stderr } = await expectExit(['operator', 'unseal'], EXIT_USAGE);
    assert.match(stderr, /No unseal key given: pass it as an argument, or - to read it from stdin; there is no terminal/);
  });

  it('operator rekey -h describes -init, -status, -cancel and -target; two modes at once exit 1', async () => {
    const help = await expectExit(['operator', 'rekey', '-h'], 0);
    for (const flag of ['-init', '-status', '-cancel', '-target=recovery']) assert.ok(help.stdout.includes(flag), flag);
    const { stderr } = await expectExit(['operator', 'rekey', '-init', '-cancel'], EXIT_USAGE);
    assert.match(stderr, /Only one of -init, -status and -cancel/);
  });

  it('operator snapshot save -h and restore -help print their own usage, not the group list, and exit 0', async () => {
    const save = await expectExit(['operator', 'snapshot', 'save', '-h'], 0);
    assert.match(save.stdout, /^Usage: coffer operator snapshot save FILE\n/);
    const restore = await expectExit(['operator', 'snapshot', 'restore', '-help'], 0);
    assert.match(restore.stdout, /^Usage: coffer operator snapshot restore \[-force\] FILE\n/);
    assert.ok(restore.stdout.includes('sys/storage/snapshot-force'), restore.stdout);
  });

  it('operator init -key-shares=5 -key-threshold=3 prints five unseal keys, the root token and the advice', async () => {
    const { stdout } = await expectExit(['operator', 'init', '-key-shares=5', '-key-threshold=3'], 0);
    keys = [...stdout.matchAll(/^Unseal Key (\d+): (\S+)$/gm)].map((m, i) => {
      assert.equal(m[1], String(i + 1));
      return m[2] as string;
    });
    assert.equal(keys.length, 5);
    for (const key of keys) assert.equal(Buffer.from(key, 'base64').length, 33, `${key} is a base64 33-byte share`);
    rootToken = /^Initial Root Token: (\S+)$/m.exec(stdout)?.[1] ?? '';
    assert.notEqual(rootToken, '');
    assert.match(stdout.replace(/\n/g, ' '), /initialized with 5 key shares and a key threshold of 3\./);
    assert.match(stdout.replace(/\n/g, ' '), /at least 3 of these keys/);
    assert.match(stdout, /operator rekey/);
  });

  it('operator init on an initialized store fails with exit 1 and says why', async () => {
    const { stderr } = await expectExit(['operator', 'init'], EXIT_API_ERROR);
    assert.match(stderr, /^Error initializing: [\s\S]*Vault is already initialized/m);
  });

  it('status after init shows sealed with Total Shares 5, Threshold 3, Unseal Progress 0/3, and exits 2', async () => {
    const { stdout } = await expectExit(['status'], EXIT_SEALED);
    assert.equal(tableValue(stdout, 'Seal Type'), 'shamir');
    assert.equal(tableValue(stdout, 'Initialized'), 'true');
    assert.equal(tableValue(stdout, 'Sealed'), 'true');
    assert.equal(tableValue(stdout, 'Total Shares'), '5');
    assert.equal(tableValue(stdout, 'Threshold'), '3');
    assert.equal(tableValue(stdout, 'Unseal Progress'), '0/3');
  });

  it('operator unseal -reset after two shares puts the progress back to 0/3', async () => {
    const tables = await unsealWith(keys.slice(0, 2));
    assert.equal(tableValue(tables[1]!, 'Unseal Progress'), '2/3');
    const { stdout } = await expectExit(['operator', 'unseal', '-reset'], 0);
    assert.equal(tableValue(stdout, 'Sealed'), 'true');
    assert.equal(tableValue(stdout, 'Unseal Progress'), '0/3');
    assert.equal(tableValue(stdout, 'Unseal Nonce'), 'n/a');
  });

  it('a wrong share set makes operator unseal fail with exit 1 and resets the progress', async () => {
    const forged = Buffer.from(keys[2]!, 'base64');
    forged[3] = forged[3]! ^ 0xff;
    await unsealWith(keys.slice(0, 2));
    const { stderr } = await expectExit(['operator', 'unseal', forged.toString('base64')], EXIT_API_ERROR);
    assert.match(stderr, /^Error unsealing: [\s\S]*cannot decrypt the barrier root key/m);
    const garbage = await expectExit(['operator', 'unseal', 'not-a-key!'], EXIT_API_ERROR);
    assert.match(garbage.stderr, /^Error unsealing: /m);
    const { stdout } = await expectExit(['status'], EXIT_SEALED);
    assert.equal(tableValue(stdout, 'Unseal Progress'), '0/3');
  });

  it('operator unseal with three shares one by one shows progress 1/3, 2/3 and the same nonce, then Sealed false', async () => {
    const tables = await unsealWith([keys[4]!, keys[0]!, keys[2]!]);
    assert.deepEqual(tables.map((t) => tableValue(t, 'Sealed')), ['true', 'true', 'false']);
    assert.deepEqual(tables.slice(0, 2).map((t) => tableValue(t, 'Unseal Progress')), ['1/3', '2/3']);
    const nonce = tableValue(tables[0]!, 'Unseal Nonce');
    assert.match(nonce ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(tableValue(tables[1]!, 'Unseal Nonce'), nonce);
    assert.equal(tableValue(tables[2]!, 'Unseal Progress'), undefined, 'no progress row once unsealed');
    assert.equal(tableValue(tables[2]!, 'Seal Type'), 'shamir');
    assert.equal(tableValue(tables[2]!, 'Threshold'), '3');
    const status = await expectExit(['status'], 0);
    assert.equal(tableValue(status.stdout, 'Sealed'), 'false');
  });

  it('the root token from init writes and reads a KV secret', async () => {
    await expectExit(['secrets', 'enable', '-path=secret', '-version=2', 'kv'], 0);
    await expectExit(['kv', 'put', 'secret/app', 'password=opened-by-shares'], 0);
    const { stdout } = await expectExit(['kv', 'get', '-field=password', 'secret/app'], 0);
    assert.equal(stdout, 'opened-by-shares');
  });

  it('operator seal refuses a token without sudo with exit 1, and the server stays unsealed', async () => {
    const created = await expectExit(['token', 'create', '-policy=default', '-field=token'], 0);
    const { stderr } = await expectExit(['operator', 'seal'], EXIT_API_ERROR, { token: created.stdout.trim() });
    assert.match(stderr, /^Error sealing: [\s\S]*permission denied/m);
    assert.equal(tableValue((await expectExit(['status'], 0)).stdout, 'Sealed'), 'false');
  });

  it('operator seal prints "Success! Vault is sealed."; status then shows sealed (exit 2) and KV reads fail', async () => {
    const { stdout } = await expectExit(['operator', 'seal'], 0);
    assert.equal(stdout.trim(), 'Success! Vault is sealed.');
    const status = await expectExit(['status'], EXIT_SEALED);
    assert.equal(tableValue(status.stdout, 'Sealed'), 'true');
    assert.equal(tableValue(status.stdout, 'Unseal Progress'), '0/3');
    const read = await expectExit(['kv', 'get', 'secret/app'], EXIT_API_ERROR);
    assert.match(read.stderr, /Vault is sealed/);
  });

  it('unseals again after operator seal, with a share from stdin ("-") among them; the secret is back', async () => {
    const first = await expectExit(['operator', 'unseal', '-'], 0, { stdin: `${keys[1]}\n` });
    assert.equal(tableValue(first.stdout, 'Unseal Progress'), '1/3');
    const json = await expectExit(['operator', 'unseal', '-format=json', keys[3]!], 0);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual([status.type, status.sealed, status.progress, status.t, status.n], ['shamir', true, 2, 3, 5]);
    const last = await unsealWith([keys[0]!]);
    assert.equal(tableValue(last[0]!, 'Sealed'), 'false');
    const { stdout } = await expectExit(['kv', 'get', '-field=password', 'secret/app'], 0);
    assert.equal(stdout, 'opened-by-shares');
  });

  it('operator unseal with no argument asks on the terminal with echo off ("Unseal Key (will be hidden): ")', async () => {
    await expectExit(['operator', 'seal'], 0);
    const prompts: string[] = [];
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      readStdin: async () => assert.fail('must not read stdin when a terminal can be asked'),
      stdoutIsTTY: false,
      // Stands in for src/cli/prompt.ts readHiddenLine, which main.ts wires in when stdin is a TTY.
      promptSecret: async (prompt) => {
        prompts.push(prompt);
        return `${keys[prompts.length - 1]}\n`;
      },
      env: { COFFER_ADDR: server.address },
      homeDir: home,
    };
    for (let i = 0; i < 3; i++) assert.equal(await runInProcess(['operator', 'unseal'], io), 0, err);
    assert.deepEqual(prompts, Array(3).fill('Unseal Key (will be hidden): '));
    assert.equal(tableValue(out.split('Key ').pop() ?? '', 'Sealed'), 'false');
    for (const key of keys) assert.equal(out.includes(key), false, 'the share is never printed');
  });

  it('operator rekey -init 3/2, then three old shares print three new keys; after a seal two new keys unseal', async () => {
    const init = await expectExit(['operator', 'rekey', '-init', '-key-shares=3', '-key-threshold=2'], 0);
    assert.deepEqual([tableValue(init.stdout, 'Started'), tableValue(init.stdout, 'Rekey Progress'), tableValue(init.stdout, 'New Shares')], ['true', '0/3', '3']);
    assert.equal(tableValue((await expectExit(['operator', 'rekey', keys[0]!], 0)).stdout, 'Rekey Progress'), '1/3');
    assert.equal(tableValue((await expectExit(['operator', 'rekey', '-status'], 0)).stdout, 'Rekey Progress'), '1/3');
    await expectExit(['operator', 'rekey', '-'], 0, { stdin: `${keys[2]}\n` });
    const done = await expectExit(['operator', 'rekey', keys[4]!], 0);
    const newKeys = [...done.stdout.matchAll(/^Key (\d+): (\S+)$/gm)].map((m) => m[2] as string);
    assert.equal(newKeys.length, 3);
    await expectExit(['operator', 'seal'], 0);
    const old = await coffer(['operator', 'unseal', keys[1]!]);
    assert.equal(old.code, 0);
    assert.equal((await coffer(['operator', 'unseal', keys[3]!])).code, EXIT_API_ERROR, 'old shares no longer unseal');
    const last = await unsealWith(newKeys.slice(1));
    assert.equal(tableValue(last[1]!, 'Sealed'), 'false');
    const { stdout } = await expectExit(['kv', 'get', '-field=password', 'secret/app'], 0);
    assert.equal(stdout, 'opened-by-shares');
  });

  it('operator rekey -cancel forgets a started rekey', async () => {
    await expectExit(['operator', 'rekey', '-init', '-key-shares=1', '-key-threshold=1'], 0);
    assert.match((await expectExit(['operator', 'rekey', '-cancel'], 0)).stdout, /Canceled rekeying/);
    assert.equal(tableValue((await expectExit(['operator', 'rekey', '-status'], 0)).stdout, 'Started'), 'false');
  });
});

describe('coffer operator init -format=json', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let home: string;

  before(async () => {
    dir = await storeDir();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-operator-json-'));
    server = await startSealServer(dir.path, { seal: SHAMIR });
  });
  after(async () => {
    await server.stop();
    await dir.remove();
    await rm(home, { recursive: true, force: true });
  });

  it("prints Vault's init JSON: unseal_keys_b64/hex (same shares), unseal_shares 5, unseal_threshold 3, root_token", async () => {
    const result = await runCli(['operator', 'init', '-format=json'], { env: cleanEnv({ HOME: home, COFFER_ADDR: server.address }) });
    assert.equal(result.code, 0, result.stderr);
    const init = JSON.parse(result.stdout) as InitJson;
    assert.deepEqual(Object.keys(init).sort(), [
      'recovery_keys_b64', 'recovery_keys_hex', 'recovery_keys_shares', 'recovery_keys_threshold',
      'root_token', 'unseal_keys_b64', 'unseal_keys_hex', 'unseal_shares', 'unseal_threshold',
    ]);
    assert.deepEqual([init.unseal_shares, init.unseal_threshold, init.unseal_keys_b64.length], [5, 3, 5]);
    init.unseal_keys_hex.forEach((hex, i) => assert.equal(Buffer.from(hex, 'hex').toString('base64'), init.unseal_keys_b64[i]));
    assert.deepEqual([init.recovery_keys_b64, init.recovery_keys_hex, init.recovery_keys_shares, init.recovery_keys_threshold], [[], [], 0, 0]);
    assert.match(init.root_token, /\S+/);
    // The hex shares unseal too: three of them open the server.
    const env = cleanEnv({ HOME: home, COFFER_ADDR: server.address });
    let last: CliRun | undefined;
    for (const hex of init.unseal_keys_hex.slice(2)) last = await runCli(['operator', 'unseal', hex], { env });
    assert.equal(last?.code, 0, last?.stderr);
    assert.equal(tableValue(last!.stdout, 'Sealed'), 'false');
  });
});
