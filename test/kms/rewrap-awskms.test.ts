import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { AwsKmsStandIn } from './awskms-stand-in.js';
import { forcePass, rewrapStatus, startRewrapServer, type RewrapServer } from './rewrap-fixture.js';

it('re-wraps onto a rotated AWS KMS key with ReEncrypt, never Decrypt (AWS stood in by aws-sdk-client-mock)', async () => {
  const aws = new AwsKmsStandIn();
  const dir = await mkdtemp(join(tmpdir(), 'coffer-rewrap-aws-'));
  let server: RewrapServer | undefined;
  after(async () => {
    await server?.close();
    aws.restore();
    await rm(dir, { recursive: true, force: true });
  });
  const s = (server = await startRewrapServer(dir, { seal: { type: 'awskms', kmsKeyId: aws.alias, region: 'eu-west-1' } }));
  const keys: string[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await s.call<{ data: { version: number } }>('POST', 'secret/data/aws/app', { data: { n: i } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    keys.push(`versions/aws/app/${answer.body.data.version}`);
  }
  const rotated = aws.rotate();
  const pending = await rewrapStatus(s);
  assert.equal(pending.current_key_version, rotated);
  assert.equal(pending.pending_versions, 4);

  const before = { ...aws.calls };
  const status = await forcePass(s);
  assert.deepEqual(status.last_pass, { rewrapped: 4, skipped_current: 0, skipped_gone: 0, failed: 0, interrupted: false });
  assert.equal(aws.calls.ReEncrypt - before.ReEncrypt, 4, 'one ReEncrypt per version');
  assert.equal(aws.calls.Decrypt - before.Decrypt, 0, 'no plaintext DEK left AWS: Decrypt was not called');
  for (const key of keys) {
    const entry = await s.store().get<{ wrapped_dek: string; kms_key_id: string }>(key);
    assert.equal(entry?.kms_key_id, `${aws.keyArn}#${rotated}`, key);
    // Coffer's format byte, then the blob as AWS made it, naming its key material.
    assert.equal(aws.materialOf(Buffer.from(entry!.wrapped_dek, 'base64').subarray(1)), rotated, key);
  }
  // The old material gone: with the DEK cache off, every version still reads.
  aws.forget('material-0');
  for (let i = 0; i < 4; i++) {
    const read = await s.call<{ data: { data: unknown } }>('GET', `secret/data/aws/app?version=${i + 1}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(read.body.data.data, { n: i });
  }
});
