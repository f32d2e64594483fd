import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { AwsKms, AwsKmsError, INITIAL_ROTATION } from '../../src/kms/awskms.js';
import { KmsUnwrapError } from '../../src/kms/kms.js';
import { AwsKmsStandIn } from './awskms-stand-in.js';

const AAD = 'core/keyring';

describe('awskms KMS (aws-sdk-client-mock stand-in)', () => {
  let aws: AwsKmsStandIn;
  let kms: AwsKms | undefined;
  const open = async () => (kms = await AwsKms.open({ type: 'awskms', kmsKeyId: aws.alias, region: 'eu-west-1' }));

  beforeEach(() => {
    aws = new AwsKmsStandIn();
  });
  afterEach(() => {
    kms?.close();
    kms = undefined;
    aws.restore();
  });

  it('resolves the alias to the key ARN and reports the initial rotation as the key version (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    assert.equal(k.type, 'awskms');
    assert.equal(k.keyArn, aws.keyArn);
    assert.equal(await k.currentKeyVersion(), INITIAL_ROTATION);
    assert.equal(k.keyId, `${aws.keyArn}#initial`);
  });

  it('wraps through Encrypt and unwraps through Decrypt to the same key (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const key = randomBytes(32);
    const wrapped = await k.wrap(key, AAD);
    assert.ok(!Buffer.from(wrapped).includes(key), 'the wrapped form does not hold the key in clear');
    assert.deepEqual(Buffer.from(await k.unwrap(wrapped, AAD)), key);
    assert.deepEqual(aws.calls, { Encrypt: 1, Decrypt: 1, ReEncrypt: 0 });
  });

  it('sends the aad as the encryption context {purpose: aad} (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    await k.wrap(randomBytes(32), AAD);
    const sent = aws.mock.commandCalls(EncryptCommand)[0]!.args[0].input as { EncryptionContext?: Record<string, string>; KeyId: string };
    assert.deepEqual(sent.EncryptionContext, { purpose: AAD });
    assert.equal(sent.KeyId, aws.keyArn);
  });

  it('refuses to unwrap under another aad: KMS rejects the encryption context (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const wrapped = await k.wrap(randomBytes(32), AAD);
    await assert.rejects(k.unwrap(wrapped, 'core/other'), (err: unknown) => err instanceof KmsUnwrapError && /awskms: AWS KMS in eu-west-1 refused Decrypt \(InvalidCiphertextException\)/.test(err.message));
  });

  it('refuses a wrapped key with a byte changed (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const wrapped = Buffer.from(await k.wrap(randomBytes(32), AAD));
    for (const at of [0, 5, wrapped.byteLength - 1]) {
      const tampered = Buffer.from(wrapped);
      tampered[at]! ^= 0x01;
      await assert.rejects(k.unwrap(tampered, AAD), KmsUnwrapError, `byte ${at}`);
    }
  });

  it('follows a rotation: new key version, old blobs still open, ReEncrypt moves them onto the new material (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const key = randomBytes(32);
    const before = await k.wrap(key, AAD);
    assert.equal(aws.materialOf(before.subarray(1)), 'material-0');

    const rotated = aws.rotate();
    assert.equal(await k.currentKeyVersion(), rotated);
    assert.equal(k.keyId, `${aws.keyArn}#${rotated}`);
    assert.deepEqual(Buffer.from(await k.unwrap(before, AAD)), key, 'a blob from before the rotation still opens');

    const moved = await k.rewrap(before, AAD);
    assert.equal(aws.calls.ReEncrypt, 1);
    assert.equal(aws.materialOf(moved.subarray(1)), rotated);
    aws.forget('material-0');
    assert.deepEqual(Buffer.from(await k.unwrap(moved, AAD)), key, 'the re-encrypted blob needs only the new material');
    await assert.rejects(k.unwrap(before, AAD), KmsUnwrapError, 'the old blob needed the forgotten material');
  });

  it('refuses to rewrap under another aad (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const wrapped = await k.wrap(randomBytes(32), AAD);
    aws.rotate();
    await assert.rejects(k.rewrap(wrapped, 'core/other'), KmsUnwrapError);
  });

  it('fails with an error naming the KMS when it cannot be reached, and never shows the key (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const key = randomBytes(32);
    const wrapped = await k.wrap(key, AAD);
    aws.goDown();
    for (const attempt of [k.unwrap(wrapped, AAD), k.wrap(key, AAD), k.currentKeyVersion()]) {
      await assert.rejects(attempt, (err: unknown) => {
        assert.ok(err instanceof AwsKmsError, String(err));
        assert.match(err.message, /^awskms: cannot reach AWS KMS in eu-west-1 for (Decrypt|Encrypt|ListKeyRotations): .*ECONNREFUSED/);
        assert.ok(!err.message.includes(key.toString('hex')) && !err.message.includes(key.toString('base64')));
        return true;
      });
    }
    aws.heal();
    assert.deepEqual(Buffer.from(await k.unwrap(wrapped, AAD)), key, 'works again once the KMS is back');
  });

  it('says access was denied, naming the KMS and the call (aws-sdk-client-mock stand-in)', async () => {
    const k = await open();
    const wrapped = await k.wrap(randomBytes(32), AAD);
    aws.denyAccess();
    await assert.rejects(k.unwrap(wrapped, AAD), (err: unknown) => err instanceof AwsKmsError && /^awskms: AWS KMS in eu-west-1 denied Decrypt \(AccessDeniedException\)/.test(err.message));
  });

  it('refuses to open when the key does not exist (aws-sdk-client-mock stand-in)', async () => {
    await assert.rejects(AwsKms.open({ type: 'awskms', kmsKeyId: 'alias/missing', region: 'eu-west-1' }), /awskms: AWS KMS in eu-west-1 refused DescribeKey \(NotFoundException\)/);
  });
});
