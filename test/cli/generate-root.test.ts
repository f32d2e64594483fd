import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT_OK, EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { call, masterKey, startSealServer, storeDir, type SealServer } from '../seal/fixture.js';
import { unsealWith } from '../seal/rekey-helpers.js';
import { cleanEnv, runCli, tableValue, type CliRun } from '../harness/cli.js';

// `coffer operator generate-root` and sys/generate-root/{attempt,update}, against real servers:
// one with no seal stanza (Shamir, unseal key shares) and one with seal "local" (recovery keys).

/** Coffer's tokens are "hvs." + 43 base62 digits; Vault's otp_length is the root token's length. */
const TOKEN_LENGTH = 47;

/** Vault's decoding: unpadded base64 of token XOR otp. */
const decode = (encoded: string, otp: string) => {
  const bytes = Buffer.from(encoded, 'base64');
  return Buffer.from(bytes.map((b, i) => b ^ otp.charCodeAt(i))).toString('utf8');
};

function cliFor(server: () => SealServer, home: () => string) {
  return async (args: readonly string[], options: { token?: string; stdin?: string; code?: number } = {}): Promise<CliRun> => {
    const env = cleanEnv({ HOME: home(), COFFER_ADDR: server().address, ...(options.token ? { COFFER_TOKEN: options.token } : {}) });
    const result = await runCli(args, { env, stdin: options.stdin });
    const code = options.code ?? EXIT_OK;
    assert.equal(result.code, code, `coffer ${args.join(' ')} exited ${result.code}, expected ${code}:\n${result.stderr}${result.stdout}`);
    return result;
  };
}

describe('operator generate-root on a server with no seal stanza (Shamir)', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let home: string;
  let keys: string[];
  const coffer = cliFor(() => server, () => home);

  before(async () => {
    dir = await storeDir();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-generate-root-'));
    server = await startSealServer(dir.path, { seal: '' });
    const init = await coffer(['operator', 'init', '-format=json']);
    keys = (JSON.parse(init.stdout) as { unseal_keys_b64: string[] }).unseal_keys_b64;
    assert.equal(keys.length, 5);
    await unsealWith(server.address, keys.slice(0, 3));
  });
  after(async () => {
    await server.stop();
    await dir.remove();
    await rm(home, { recursive: true, force: true });
  });

  it('GET attempt with no token: not started, required 3, otp_length the root token length', async () => {
    const { status, body } = await call(server.address, 'GET', 'sys/generate-root/attempt');
    assert.equal(status, 200);
    assert.deepEqual(
      [body.started, body.nonce, body.progress, body.required, body.complete, body.encoded_token, body.encoded_root_token, body.otp_length],
      [false, '', 0, 3, false, '', '', TOKEN_LENGTH],
    );
  });

  it('refuses a PGP key, an OTP of the wrong length, a second attempt, a wrong nonce and a duplicate share; cancel resets', async () => {
    const pgp = await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: { pgp_key: 'bXkga2V5' } });
    assert.equal(pgp.status, 400);
    assert.match(pgp.body.errors[0], /pgp_key is not supported yet/);
    const short = await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: { otp: 'abc' } });
    assert.equal(short.status, 400);
    assert.match(short.body.errors[0], /OTP string is wrong length/);
    // Neither otp nor pgp_key: the server makes the OTP and answers it, this once (Vault >= 1.10).
    const started = await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.equal(started.status, 200);
    assert.equal(started.body.started, true);
    assert.match(started.body.otp, new RegExp(`^[0-9A-Za-z]{${TOKEN_LENGTH}}$`));
    assert.equal((await call(server.address, 'GET', 'sys/generate-root/attempt')).body.otp, '');
    assert.equal((await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: {} })).status, 400);
    const wrongNonce = await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key: keys[0], nonce: 'nope' } });
    assert.equal(wrongNonce.status, 400);
    assert.match(wrongNonce.body.errors[0], /incorrect nonce supplied/);
    const first = await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key: keys[0], nonce: started.body.nonce } });
    assert.deepEqual([first.status, first.body.progress, first.body.complete], [200, 1, false]);
    const duplicate = await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key: keys[0], nonce: started.body.nonce } });
    assert.equal(duplicate.status, 400);
    assert.match(duplicate.body.errors[0], /given key has already been provided during this generation operation/);
    assert.equal((await call(server.address, 'DELETE', 'sys/generate-root/attempt')).status, 204);
    const after = (await call(server.address, 'GET', 'sys/generate-root/attempt')).body;
    assert.deepEqual([after.started, after.progress, after.nonce], [false, 0, '']);
    const noAttempt = await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key: keys[1], nonce: started.body.nonce } });
    assert.equal(noAttempt.status, 400);
    assert.match(noAttempt.body.errors[0], /no root generation in progress/);
  });

  it('a forged share set is refused at the threshold and progress resets', async () => {
    const otp = 'A'.repeat(TOKEN_LENGTH);
    const { body: started } = await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: { otp } });
    const forged = Buffer.from(keys[3]!, 'base64');
    forged[2] = forged[2]! ^ 0xff;
    const answers = [];
    for (const key of [keys[0]!, keys[1]!, forged.toString('base64')]) answers.push(await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key, nonce: started.nonce } }));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 400]);
    assert.match(answers[2]!.body.errors[0], /root generation aborted/);
    assert.equal((await call(server.address, 'GET', 'sys/generate-root/attempt')).body.progress, 0);
    await call(server.address, 'DELETE', 'sys/generate-root/attempt');
  });

  it('end to end with the CLI: -generate-otp, -init -otp, three shares, -decode; the token is root', async () => {
    const otp = (await coffer(['operator', 'generate-root', '-generate-otp'])).stdout.trim();
    assert.match(otp, new RegExp(`^[0-9A-Za-z]{${TOKEN_LENGTH}}$`));
    const init = await coffer(['operator', 'generate-root', '-init', `-otp=${otp}`]);
    assert.equal(tableValue(init.stdout, 'Started'), 'true');
    assert.equal(tableValue(init.stdout, 'Progress'), '0/3');
    const nonce = tableValue(init.stdout, 'Nonce')!;
    assert.match(nonce, /^[0-9a-f-]{36}$/);
    const status = await coffer(['operator', 'generate-root', '-status', '-format=json']);
    assert.deepEqual([JSON.parse(status.stdout).nonce, JSON.parse(status.stdout).otp_length], [nonce, TOKEN_LENGTH]);

    assert.equal(tableValue((await coffer(['operator', 'generate-root', keys[4]!])).stdout, 'Progress'), '1/3');
    assert.equal(tableValue((await coffer(['operator', 'generate-root', `-nonce=${nonce}`, '-'], { stdin: `${keys[2]!}\n` })).stdout, 'Progress'), '2/3');
    const last = await coffer(['operator', 'generate-root', keys[0]!]);
    assert.equal(tableValue(last.stdout, 'Complete'), 'true');
    const encoded = tableValue(last.stdout, 'Encoded Token')!;
    assert.doesNotMatch(encoded, /=/, 'unpadded base64, as Vault encodes it');
    assert.equal(last.stdout.includes(otp), false);

    const token = (await coffer(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`])).stdout.trim();
    assert.equal(token, decode(encoded, otp));
    assert.match(token, new RegExp(`^hvs\\.[0-9A-Za-z]{${TOKEN_LENGTH - 4}}$`));
    const lookup = JSON.parse((await coffer(['token', 'lookup', '-format=json'], { token })).stdout);
    assert.deepEqual(lookup.data.policies, ['root']);
    const policy = await call(server.address, 'PUT', 'sys/policy/from-new-root', { token, body: { policy: 'path "secret/*" { capabilities = ["read"] }' } });
    assert.equal(policy.status, 204);
    assert.equal((await call(server.address, 'GET', 'sys/generate-root/attempt')).body.started, false);
    // Neither the OTP nor the new token reached the server's log.
    assert.equal(server.output().includes(otp), false);
    assert.equal(server.output().includes(token), false);
  });

  it('usage errors: -decode without -otp, -pgp-key, two modes at once', async () => {
    await coffer(['operator', 'generate-root', '-decode=abc'], { code: EXIT_USAGE });
    await coffer(['operator', 'generate-root', '-init', '-pgp-key=key.asc'], { code: EXIT_USAGE });
    await coffer(['operator', 'generate-root', '-init', '-cancel'], { code: EXIT_USAGE });
  });

  it('-cancel succeeds; the endpoints answer 503 while sealed', async () => {
    await coffer(['operator', 'generate-root', '-init']);
    assert.match((await coffer(['operator', 'generate-root', '-cancel'])).stdout, /Root token generation canceled/);
    assert.equal((await call(server.address, 'GET', 'sys/generate-root/attempt')).body.started, false);
    // Over HTTP alone: the server's OTP, three other shares, then seal with the new root token.
    const { body } = await call(server.address, 'PUT', 'sys/generate-root/attempt', { body: {} });
    let done;
    for (const key of keys.slice(1, 4)) done = await call(server.address, 'PUT', 'sys/generate-root/update', { body: { key, nonce: body.nonce } });
    const root = decode(done!.body.encoded_root_token, body.otp);
    assert.equal((await call(server.address, 'PUT', 'sys/seal', { token: root })).status, 204);
    assert.equal((await call(server.address, 'GET', 'sys/generate-root/attempt')).status, 503);
  });
});

describe('operator generate-root and status on a seal "local" server (recovery keys)', () => {
  let dir: Awaited<ReturnType<typeof storeDir>>;
  let server: SealServer;
  let home: string;
  let recoveryKeys: string[];
  const coffer = cliFor(() => server, () => home);

  before(async () => {
    dir = await storeDir();
    home = await mkdtemp(join(tmpdir(), 'coffer-cli-generate-root-kms-'));
    server = await startSealServer(dir.path, { env: { COFFER_LOCAL_MASTER_KEY: masterKey() } });
    recoveryKeys = (await call(server.address, 'PUT', 'sys/init', { body: {} })).body.recovery_keys_base64;
  });
  after(async () => {
    await server.stop();
    await dir.remove();
    await rm(home, { recursive: true, force: true });
  });

  it("coffer status labels the shares as Vault does: Recovery Seal Type shamir, Total Recovery Shares", async () => {
    const { stdout } = await coffer(['status']);
    assert.equal(tableValue(stdout, 'Seal Type'), 'local');
    assert.equal(tableValue(stdout, 'Recovery Seal Type'), 'shamir');
    assert.equal(tableValue(stdout, 'Total Recovery Shares'), '5');
    assert.equal(tableValue(stdout, 'Threshold'), '3');
    assert.equal(tableValue(stdout, 'Total Shares'), undefined);
    const seal = (await call(server.address, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([seal.type, seal.recovery_seal, seal.recovery_seal_type, seal.ephemeral], ['local', true, 'shamir', undefined]);
  });

  it('recovery key shares generate a root token through the CLI', async () => {
    const otp = (await coffer(['operator', 'generate-root', '-generate-otp'])).stdout.trim();
    await coffer(['operator', 'generate-root', '-init', `-otp=${otp}`]);
    let last: CliRun | undefined;
    for (const key of recoveryKeys.slice(0, 3)) last = await coffer(['operator', 'generate-root', key]);
    const encoded = tableValue(last!.stdout, 'Encoded Token')!;
    const token = (await coffer(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`])).stdout.trim();
    const lookup = JSON.parse((await coffer(['token', 'lookup', '-format=json'], { token })).stdout);
    assert.deepEqual(lookup.data.policies, ['root']);
  });
});
