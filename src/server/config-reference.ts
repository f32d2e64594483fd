import { CONFIG_BLOCKS, type ConfigBlock, type ConfigOption } from './config-options.js';

/**
 * docs/CONFIGURATION.md, generated from the option table (config-options.ts) so the reference and
 * the loader cannot drift: `npm run docs:config` writes it, test/server/config-reference.test.ts
 * fails when the committed file differs.
 */
export function renderConfigReference(): string {
  const out: string[] = [INTRO];
  for (const block of CONFIG_BLOCKS) out.push(renderBlock(block));
  return `${out.join('\n')}`.replace(/\n{3,}/g, '\n\n');
}

const INTRO = `# Server configuration reference

<!-- Generated from src/server/config-options.ts by \`npm run docs:config\`; do not edit by hand. -->

\`coffer server -config=FILE\` reads HCL, as Vault does, or JSON (a file name ending in \`.json\`, or
text starting with \`{\`). Every key of every block is checked against this reference: an unknown
key, an option of the wrong block, or a value not of the option's type stops the start with the
file and line, so a typo never goes unnoticed. Where a key has Vault's name it has Vault's meaning, unless its entry says otherwise.

- **Booleans** are \`true\`/\`false\`, \`1\`/\`0\`, or as a string what Go's \`strconv.ParseBool\` reads (\`"true"\`, \`"false"\`, \`"1"\`, \`"t"\`, \`"False"\`...); \`kms_rewrap\` \`enabled\`, pkcs11 \`generate_key\` and transit \`tls_skip_verify\` take only \`true\`/\`false\` (\`enabled\`: unquoted).
- **Durations** are Go-style strings (\`"90s"\`, \`"1m30s"\`, \`"250ms"\`, \`"1h"\`) or a number of seconds.
- **Lists** are HCL/JSON lists; a list of addresses may also be one comma-separated string.

A small complete file:

\`\`\`hcl
storage "sqlite" {
  path = "/var/lib/coffer/coffer.db"
}

listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = "/etc/coffer/tls/cert.pem"
  tls_key_file  = "/etc/coffer/tls/key.pem"
}

api_addr = "https://coffer.example.com:8200"
# No seal stanza: Shamir unseal keys (coffer operator init, then coffer operator unseal).
\`\`\`
`;

function renderBlock(block: ConfigBlock): string {
  const heading = block.id === '' ? 'Top level' : `\`${block.id}\``;
  const lines = [`## ${heading}`, '', block.summary, ''];
  if (block.options.length === 0) lines.push('No options.', '');
  for (const option of block.options) lines.push(...renderOption(option));
  return lines.join('\n');
}

function renderOption(option: ConfigOption): string[] {
  const facts = [option.type, option.required ? 'required' : option.default !== undefined ? `default: \`${option.default}\`` : 'default: unset'];
  const head = `- \`${option.name}\` (${facts.join(', ')}): ${option.description}`;
  const isBlock = option.type === 'block' || option.type === 'labelled block';
  if (!isBlock) return [head, `  Example: \`${option.name} = ${option.example}\``, ''];
  const [first, ...rest] = option.example.split('\n');
  const opening = option.type === 'block' ? `${option.name} {` : `${option.name} ${first}`;
  const body = option.type === 'block' ? [opening, ...[first!, ...rest].map((l) => `  ${l}`), '}'] : [opening, ...rest];
  return [head, '  Example:', '', '  ```hcl', ...body.map((l) => `  ${l}`), '  ```', ''];
}
