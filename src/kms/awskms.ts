import { CofferError } from '../framework/errors.js';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  KMSServiceException,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  type RotationsListEntry,
} from '@aws-sdk/client-kms';
import { KmsUnwrapError, type Kms } from './kms.js';

/** `seal "awskms" { region, kms_key_id, endpoint }`; credentials come from the standard AWS environment. */
export interface AwsKmsSealConfig {
  type: 'awskms';
  /** Key id, ARN or alias of a symmetric encryption KMS key. */
  kmsKeyId: string;
  /** Without it the SDK resolves the region (AWS_REGION, shared config...). */
  region?: string;
  /** A KMS endpoint other than AWS's (a VPC endpoint, a local stand-in). */
  endpoint?: string;
}

/** How long the SDK may take to connect, and to get an answer, before a call counts as failed. */
export const AWSKMS_CONNECT_TIMEOUT_MS = 3_000;
export const AWSKMS_REQUEST_TIMEOUT_MS = 5_000;

/** The rotation id used before the key's material has ever been rotated. */
export const INITIAL_ROTATION = 'initial';

/** First byte of an AWS-wrapped key, so the stored format can change without guessing. */
const WRAP_FORMAT = 1;

/** AWS refused or could not be reached: the message names the KMS and the reason, never key material. */
export class AwsKmsError extends CofferError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('kms_unavailable', message, options);
    this.name = 'AwsKmsError';
  }
}

/**
 * A KMS backed by AWS KMS. The key never leaves AWS: wrap is Encrypt, unwrap is Decrypt, and
 * rewrap is ReEncrypt (the plaintext stays inside KMS). The aad travels as the encryption context
 * {purpose: aad}, which AWS binds to the ciphertext. A ciphertext blob names the key material that
 * made it, so blobs wrapped before a rotation still decrypt after it.
 */
export class AwsKms implements Kms {
  readonly type = 'awskms';
  private rotation: string;

  private constructor(
    private readonly client: KMSClient,
    /** The key's ARN as AWS reports it (the config may name it by id or alias). */
    readonly keyArn: string,
    rotation: string,
    /** Where the KMS is, for error messages: the endpoint or the region. */
    private readonly where: string,
  ) {
    this.rotation = rotation;
  }

  /**
   * Connects to AWS KMS, resolves the key's ARN and current rotation, and so fails at startup (with
   * a message naming the KMS) when the KMS cannot be reached, the key is missing, or access is denied.
   * `client` is for tests that stand in for AWS.
   */
  static async open(config: AwsKmsSealConfig, options: { client?: KMSClient } = {}): Promise<AwsKms> {
    const client = options.client ?? awsKmsClient(config);
    const where = config.endpoint ? `AWS KMS at ${config.endpoint}` : `AWS KMS${config.region ? ` in ${config.region}` : ''}`;
    try {
      const described = await call(where, 'DescribeKey', () => client.send(new DescribeKeyCommand({ KeyId: config.kmsKeyId })));
      const meta = described.KeyMetadata;
      if (!meta?.Arn) throw new AwsKmsError(`awskms: ${where} did not describe key ${config.kmsKeyId}`);
      if (meta.Enabled === false) throw new AwsKmsError(`awskms: key ${meta.Arn} is disabled (state ${meta.KeyState ?? 'unknown'})`);
      if (meta.KeySpec && meta.KeySpec !== 'SYMMETRIC_DEFAULT') {
        throw new AwsKmsError(`awskms: key ${meta.Arn} is ${meta.KeySpec}; the seal needs a symmetric encryption key (SYMMETRIC_DEFAULT)`);
      }
      return new AwsKms(client, meta.Arn, await latestRotation(client, meta.Arn, where), where);
    } catch (err) {
      if (!options.client) client.destroy();
      throw err;
    }
  }

  /** The key's ARN and its current rotation, e.g. `arn:aws:kms:...:key/1234#initial`. */
  get keyId(): string {
    return `${this.keyArn}#${this.rotation}`;
  }

  /** Asks AWS for the key's latest rotation (ListKeyRotations); `keyId` follows it. */
  async currentKeyVersion(): Promise<string> {
    this.rotation = await latestRotation(this.client, this.keyArn, this.where);
    return this.rotation;
  }

  async wrap(plaintextKey: Uint8Array, aad: string): Promise<Uint8Array> {
    const out = await call(this.where, 'Encrypt', () =>
      this.client.send(new EncryptCommand({ KeyId: this.keyArn, Plaintext: plaintextKey, EncryptionContext: context(aad) })),
    );
    return withFormat(out.CiphertextBlob, this.where, 'Encrypt');
  }

  async unwrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    const blob = this.blob(wrapped);
    const out = await this.refusable('Decrypt', () =>
      this.client.send(new DecryptCommand({ KeyId: this.keyArn, CiphertextBlob: blob, EncryptionContext: context(aad) })),
    );
    if (!out.Plaintext) throw new AwsKmsError(`awskms: ${this.where} answered Decrypt without a plaintext`);
    return out.Plaintext;
  }

  /** Re-encrypts a wrapped key onto the key's current material inside AWS (ReEncrypt). */
  async rewrap(wrapped: Uint8Array, aad: string): Promise<Uint8Array> {
    const blob = this.blob(wrapped);
    const out = await this.refusable('ReEncrypt', () =>
      this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: blob,
          SourceKeyId: this.keyArn,
          SourceEncryptionContext: context(aad),
          DestinationKeyId: this.keyArn,
          DestinationEncryptionContext: context(aad),
        }),
      ),
    );
    return withFormat(out.CiphertextBlob, this.where, 'ReEncrypt');
  }

  /** Closes the SDK's connections. */
  close(): void {
    this.client.destroy();
  }

  private blob(wrapped: Uint8Array): Uint8Array {
    if (wrapped[0] !== WRAP_FORMAT) throw new KmsUnwrapError(this.keyId, `unknown wrap format ${wrapped[0]}`);
    return wrapped.subarray(1);
  }

  /** A call whose refusal of the ciphertext (wrong context, altered blob, other key) is a KmsUnwrapError. */
  private async refusable<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof KMSServiceException && (err.name === 'InvalidCiphertextException' || err.name === 'IncorrectKeyException')) {
        throw new KmsUnwrapError(this.keyId, `awskms: ${this.where} refused ${operation} (${err.name}): wrong encryption context, another key, or the ciphertext was altered`);
      }
      throw describeFailure(err, this.where, operation);
    }
  }
}

/** An SDK client with connect and request timeouts, so an unreachable KMS fails fast. */
function awsKmsClient(config: AwsKmsSealConfig): KMSClient {
  return new KMSClient({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Two tries, each bounded by the timeouts above: a KMS that does not answer fails a call in about 10 s.
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only logs a warning when an answer is late, and waits on.
    requestHandler: { connectionTimeout: AWSKMS_CONNECT_TIMEOUT_MS, requestTimeout: AWSKMS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
}

function context(aad: string): Record<string, string> {
  return { purpose: aad };
}

function withFormat(blob: Uint8Array | undefined, where: string, operation: string): Uint8Array {
  if (!blob || blob.byteLength === 0) throw new AwsKmsError(`awskms: ${where} answered ${operation} without a ciphertext`);
  return Buffer.concat([Buffer.of(WRAP_FORMAT), blob]);
}

async function call<T>(where: string, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw describeFailure(err, where, operation);
  }
}

/** An SDK failure as an AwsKmsError that says which KMS, which call, and what went wrong. */
function describeFailure(err: unknown, where: string, operation: string): Error {
  if (err instanceof AwsKmsError || err instanceof KmsUnwrapError) return err;
  if (err instanceof KMSServiceException) {
    if (err.name === 'AccessDeniedException') return new AwsKmsError(`awskms: ${where} denied ${operation} (AccessDeniedException): ${err.message}`);
    return new AwsKmsError(`awskms: ${where} refused ${operation} (${err.name}): ${err.message}`);
  }
  const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return new AwsKmsError(`awskms: ${where} failed ${operation} (${e.name}, HTTP ${status}): ${e.message}`);
  // No answer at all: refused connection, timeout, DNS, missing credentials or region.
  const code = e.code && !e.message?.includes(e.code) ? ` ${e.code}` : '';
  return new AwsKmsError(`awskms: cannot reach ${where} for ${operation}: ${e.name ?? 'Error'}${code}: ${e.message ?? String(err)}`);
}

/** The key's current rotation: the newest rotation's key material id (or date), or "initial". */
async function latestRotation(client: KMSClient, keyArn: string, where: string): Promise<string> {
  const rotations: RotationsListEntry[] = [];
  let marker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(new ListKeyRotationsCommand({ KeyId: keyArn, ...(marker ? { Marker: marker } : {}) }));
    } catch (err) {
      // Keys that cannot rotate (custom key stores, some imported keys) have one material forever.
      if (err instanceof KMSServiceException && err.name === 'UnsupportedOperationException') return INITIAL_ROTATION;
      throw describeFailure(err, where, 'ListKeyRotations');
    }
    rotations.push(...(page.Rotations ?? []));
    if (!page.Truncated || !page.NextMarker) break;
    marker = page.NextMarker;
  }
  const current = rotations.find((r) => r.KeyMaterialState === 'CURRENT' && r.RotationDate);
  const newest = current ?? rotations.filter((r) => r.RotationDate).sort((a, b) => b.RotationDate!.getTime() - a.RotationDate!.getTime())[0];
  if (!newest) return INITIAL_ROTATION;
  return newest.KeyMaterialId ?? newest.RotationDate!.toISOString();
}
