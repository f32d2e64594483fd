import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSServiceException,
  ListKeyRotationsCommand,
  NotFoundException,
  ReEncryptCommand,
  type RotationsListEntry,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A stand-in for AWS KMS through aws-sdk-client-mock: every KMSClient's `send` is answered here. It
 * really encrypts — AES-256-GCM under an in-test key per key material (one per rotation) — and
 * binds the encryption context and the key ARN as GCM additional data, so a wrong context or an
 * altered blob is refused the way AWS refuses it (InvalidCiphertextException).
 * Blob: material-id length || material id || 12-byte IV || 16-byte tag || ciphertext.
 */
export class AwsKmsStandIn {
  readonly keyArn = `arn:aws:kms:eu-west-1:111122223333:key/${randomUUID()}`;
  readonly alias = 'alias/coffer-seal';
  private readonly materials = new Map<string, Buffer>();
  private readonly rotations: RotationsListEntry[] = [];
  private current = 'material-0';
  /** An error every call rejects with (an outage, a denial); undefined when healthy. */
  failure: Error | undefined;
  readonly mock = mockClient(KMSClient);
  /** How many Decrypt/ReEncrypt calls reached the stand-in. */
  calls = { Encrypt: 0, Decrypt: 0, ReEncrypt: 0 };

  constructor() {
    this.materials.set(this.current, randomBytes(32));
    this.mock.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
      this.check();
      if (!this.names(input.KeyId)) throw new NotFoundException({ message: `Key '${input.KeyId}' does not exist`, $metadata: {} });
      return { KeyMetadata: { KeyId: this.keyArn.split('/')[1], Arn: this.keyArn, Enabled: true, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' } };
    });
    this.mock.on(ListKeyRotationsCommand).callsFake((input: { KeyId: string }) => {
      this.check();
      if (!this.names(input.KeyId)) throw new NotFoundException({ message: 'no such key', $metadata: {} });
      return { Rotations: this.rotations.map((r) => ({ ...r, KeyMaterialState: r.KeyMaterialId === this.current ? 'CURRENT' : 'NON_CURRENT' })), Truncated: false };
    });
    this.mock.on(EncryptCommand).callsFake((input: { KeyId: string; Plaintext: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      this.check();
      this.calls.Encrypt++;
      if (!this.names(input.KeyId)) throw new NotFoundException({ message: 'no such key', $metadata: {} });
      return { CiphertextBlob: this.seal(input.Plaintext, input.EncryptionContext), KeyId: this.keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    });
    this.mock.on(DecryptCommand).callsFake((input: { KeyId?: string; CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      this.check();
      this.calls.Decrypt++;
      if (input.KeyId !== undefined && !this.names(input.KeyId)) throw new IncorrectKeyException({ message: 'The key ID in the request does not identify a CMK that can perform this operation.', $metadata: {} });
      return { Plaintext: this.open(input.CiphertextBlob, input.EncryptionContext), KeyId: this.keyArn };
    });
    this.mock.on(ReEncryptCommand).callsFake(
      (input: { CiphertextBlob: Uint8Array; SourceKeyId?: string; DestinationKeyId: string; SourceEncryptionContext?: Record<string, string>; DestinationEncryptionContext?: Record<string, string> }) => {
        this.check();
        this.calls.ReEncrypt++;
        if ((input.SourceKeyId !== undefined && !this.names(input.SourceKeyId)) || !this.names(input.DestinationKeyId)) {
          throw new IncorrectKeyException({ message: 'wrong key', $metadata: {} });
        }
        const plaintext = this.open(input.CiphertextBlob, input.SourceEncryptionContext);
        return { CiphertextBlob: this.seal(plaintext, input.DestinationEncryptionContext), SourceKeyId: this.keyArn, KeyId: this.keyArn };
      },
    );
  }

  /** On-demand rotation: new key material becomes current; the old one still decrypts. Returns its id. */
  rotate(): string {
    const id = `material-${this.materials.size}`;
    this.materials.set(id, randomBytes(32));
    this.current = id;
    this.rotations.push({ KeyId: this.keyArn, KeyMaterialId: id, RotationDate: new Date(Date.now() + this.rotations.length), RotationType: 'ON_DEMAND' });
    return id;
  }

  /** Forgets a key material, so only blobs re-encrypted away from it still open. */
  forget(materialId: string): void {
    this.materials.delete(materialId);
  }

  /** The key material a blob (as AWS returns it, without Coffer's format byte) was made with. */
  materialOf(blob: Uint8Array): string {
    return Buffer.from(blob.subarray(1, 1 + blob[0]!)).toString('utf8');
  }

  /** A network outage: every call fails as the SDK fails when nothing answers. */
  goDown(): void {
    this.failure = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
  }

  denyAccess(): void {
    // KMS has no modelled AccessDeniedException: the SDK gives a KMSServiceException of that name.
    this.failure = new KMSServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      message: 'User: arn:aws:iam::111122223333:user/coffer is not authorized to perform: kms:Decrypt',
      $metadata: { httpStatusCode: 400 },
    });
  }

  heal(): void {
    this.failure = undefined;
  }

  restore(): void {
    this.mock.restore();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private names(keyId: string): boolean {
    return keyId === this.keyArn || keyId === this.alias || keyId === this.keyArn.split('/')[1];
  }

  private aad(context: Record<string, string> | undefined): Buffer {
    const sorted = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    return Buffer.from(JSON.stringify([this.keyArn, sorted]));
  }

  private seal(plaintext: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
    const id = Buffer.from(this.current, 'utf8');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.materials.get(this.current)!, iv);
    cipher.setAAD(this.aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(id.byteLength), id, iv, cipher.getAuthTag(), body]);
  }

  private open(blob: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
    const invalid = () => new InvalidCiphertextException({ message: 'The ciphertext is invalid.', $metadata: { httpStatusCode: 400 } });
    const bytes = Buffer.from(blob);
    if (bytes.byteLength < 1 + bytes[0]! + 28) throw invalid();
    const key = this.materials.get(this.materialOf(bytes));
    if (!key) throw invalid();
    const at = 1 + bytes[0]!;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(at, at + 12));
      decipher.setAAD(this.aad(context));
      decipher.setAuthTag(bytes.subarray(at + 12, at + 28));
      return Buffer.concat([decipher.update(bytes.subarray(at + 28)), decipher.final()]);
    } catch {
      throw invalid();
    }
  }
}
