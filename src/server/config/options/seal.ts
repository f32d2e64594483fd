import { PKCS11_MECHANISMS, PKCS11_PIN_ENV } from '../../../kms/pkcs11.js';
import { LOCAL_MASTER_KEY_ENV } from '../../../kms/local.js';
import type { ConfigBlock, ConfigOption } from '../../config-options.js';

/** Every seal takes it: the seal a store is migrating from. */
const DISABLED: ConfigOption = {
  name: 'disabled',
  type: 'bool',
  default: 'false',
  description:
    'Marks the seal a store is migrating **from**. Keep the old stanza with `disabled = "true"` next to the new one, restart, and unseal once with `coffer operator unseal -migrate`. Only Shamir to a KMS seal, or back, is supported; a disabled KMS stanza on its own migrates to Shamir.',
  example: '"true"',
};

/** `seal "shamir" | "local" | "awskms" | "pkcs11" | "transit"`. */
export const SEAL_BLOCKS: readonly ConfigBlock[] = [
  {
    id: 'seal "shamir"',
    kind: 'seal',
    label: 'shamir',
    summary: 'The default. The root key is wrapped by an unseal key that `coffer operator init` splits into shares; enough of them unseal the server after every start (`coffer operator unseal`).',
    options: [DISABLED],
  },
  {
    id: 'seal "local"',
    kind: 'seal',
    label: 'local',
    summary: `Auto-unseal with a 32-byte key kept outside the store: \`${LOCAL_MASTER_KEY_ENV}\` in the environment (base64), or \`key_file\`. Without either the server refuses to start, unless \`ephemeral = true\`.`,
    options: [
      { name: 'key_file', type: 'string', description: 'A file holding the key: 32 raw bytes, base64 of 32 bytes, or JSON `{"keys": [{"version": 1, "key": "<base64>"}, ...]}` for rotated keys (the newest wraps). Not together with the environment variable.', example: '"/etc/coffer/seal.key"' },
      { name: 'ephemeral', type: 'bool', default: 'false', description: 'Run on a random key made at start, knowingly: the store cannot be unsealed once the process ends. A warning is logged and `sys/seal-status` says `ephemeral`. Excludes `key_file`.', example: 'true' },
      DISABLED,
    ],
  },
  {
    id: 'seal "awskms"',
    kind: 'seal',
    label: 'awskms',
    summary: 'Auto-unseal with an AWS KMS key. Credentials come from the standard AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, an instance role...), never from this file.',
    options: [
      { name: 'kms_key_id', type: 'string', required: true, description: 'The id, ARN or alias of a symmetric KMS key.', example: '"alias/coffer"' },
      { name: 'region', type: 'string', description: "The key's region. Unset: the SDK's own resolution (`AWS_REGION`, the shared config...).", example: '"eu-west-1"' },
      { name: 'endpoint', type: 'string', description: 'Another KMS endpoint, an http(s) URL (a VPC endpoint, a local KMS for tests).', example: '"https://kms.eu-west-1.amazonaws.com"' },
      DISABLED,
    ],
    unknownHint: ' (credentials come from the standard AWS environment: AWS_ACCESS_KEY_ID, AWS_PROFILE, an instance role...)',
  },
  {
    id: 'seal "pkcs11"',
    kind: 'seal',
    label: 'pkcs11',
    summary: 'Auto-unseal with an AES key in an HSM, through its PKCS#11 library.',
    options: [
      { name: 'lib', type: 'string', required: true, description: "The path of the HSM's PKCS#11 library.", example: '"/usr/lib/softhsm/libsofthsm2.so"' },
      { name: 'slot', type: 'int', description: 'The slot id, decimal or `0x` hex (a number or a string). Give `slot` or `token_label`, not both.', example: '"0x1"' },
      { name: 'token_label', type: 'string', description: 'The label of the token to use, instead of `slot`.', example: '"coffer"' },
      { name: 'pin', type: 'string', description: `The user pin. \`${PKCS11_PIN_ENV}\` in the environment takes its place when set, which keeps it out of the file.`, example: '"1234"' },
      { name: 'key_label', type: 'string', required: true, description: 'The label of the AES key.', example: '"coffer-seal"' },
      { name: 'mechanism', type: 'string', default: `"${PKCS11_MECHANISMS[0]}"`, description: `The encryption mechanism: ${PKCS11_MECHANISMS.map((m) => `\`${m}\``).join(', ')}.`, example: `"${PKCS11_MECHANISMS[0]}"` },
      { name: 'generate_key', type: 'bool', default: 'false', description: 'Create the key in the token when no key has `key_label`.', example: 'true' },
      DISABLED,
    ],
  },
  {
    id: 'seal "transit"',
    kind: 'seal',
    label: 'transit',
    summary: "Auto-unseal through another Coffer's (or Vault's) transit engine: the key never leaves that server.",
    options: [
      { name: 'address', type: 'string', required: true, description: 'The transit server, an http(s) URL.', example: '"https://coffer-a:8200"' },
      { name: 'token', type: 'string', description: 'A token allowed to encrypt and decrypt with the key. Unset: `VAULT_TOKEN` from the environment.', example: '"hvs.…"' },
      { name: 'key_name', type: 'string', required: true, description: 'The transit key to wrap with.', example: '"autounseal"' },
      { name: 'mount_path', type: 'string', default: '"transit/"', description: 'Where the transit engine is mounted on that server.', example: '"seal-transit/"' },
      { name: 'tls_ca_file', type: 'string', description: "The CA that the transit server's certificate chains to.", example: '"/etc/coffer/transit-ca.pem"' },
      { name: 'tls_skip_verify', type: 'bool', default: 'false', description: "Do not verify the transit server's certificate. For tests only.", example: 'true' },
      { name: 'namespace', type: 'string', description: 'Accepted only empty: namespaces are not supported.', example: '""' },
      { name: 'disable_renewal', type: 'bool', default: 'false', description: 'Accepted for Vault compatibility; no effect (the token is not renewed).', example: 'true' },
      DISABLED,
    ],
  },
];
