import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { AuditChainVerifier, type AuditDevice, type AuditEnableRequest, type ChainReport } from '../../client/index.js';
import { parseDataArgs } from '../data-args.js';
import { EXIT_LOCAL_ERROR, EXIT_OK, UsageError } from '../exit-codes.js';
import { globalFlags, parseFlags, type FlagSpec } from '../flags.js';
import { withSlash } from '../mount-flags.js';
import { parseFormat, structured, table } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';
import { commandGroup, type Subcommands } from './subcommands.js';

/**
 * `audit enable [-path=P] [-description=D] [-local] TYPE [K=V...]`, as Vault's: the options follow the
 * type as key=value (k=@file and k=- read a file or stdin), and the device lands at its type's name
 * unless -path says otherwise.
 */
async function auditEnable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    path: { type: 'string', default: 'the type', description: 'Where to enable the device (under sys/audit/).' },
    description: { type: 'string', description: 'A human-readable description of the device.' },
    local: { type: 'boolean', default: 'false', description: 'Accepted for compatibility (Coffer does not replicate).' },
  });
  if (positionals.length < 1) throw new UsageError('Not enough arguments (expected at least 1, got 0)');
  const type = positionals[0] as string;
  const path = withSlash(flags.path || type);
  const device: AuditEnableRequest = { type, description: flags.description ?? '', options: await deviceOptions(positionals.slice(1), io) };
  if (flags.local) device.local = true;
  const client = await session.client();
  try {
    await client.audit.enable(path, device);
  } catch (err) {
    return session.fail('enabling audit device', err);
  }
  session.out(`Success! Enabled the ${type} audit device at: ${path}`);
  return EXIT_OK;
}

/** Device options are strings on the wire; a key given twice would make a list, which no device takes. */
async function deviceOptions(pairs: readonly string[], io: CliIo): Promise<Record<string, string>> {
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(await parseDataArgs(pairs, io))) {
    if (typeof value !== 'string') throw new UsageError(`option "${key}" must be given once, as key=value`);
    options[key] = value;
  }
  return options;
}

/** `audit disable PATH`: stops recording to the device at PATH (not an error when none is there). */
async function auditDisable(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 1);
  const path = withSlash(positionals[0] as string);
  const client = await session.client();
  try {
    await client.audit.disable(path);
  } catch (err) {
    return session.fail('disabling audit device', err);
  }
  session.out(`Success! Disabled audit device (if it was enabled) at: ${path}`);
  return EXIT_OK;
}

/** `audit list [-detailed]`: a Path/Type/Description table (plus Replication and Options), or the sys/audit map. */
async function auditList(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, flags, positionals } = openSession(io, args, {
    detailed: { type: 'boolean', default: 'false', description: 'Show the replication and options columns.' },
  });
  expectArgs(positionals, 0);
  const client = await session.client();
  let devices: Record<string, AuditDevice>;
  try {
    devices = await client.audit.list();
  } catch (err) {
    return session.fail('retrieving audits', err);
  }
  if (session.format !== 'table') {
    session.out(structured(devices, session.format));
    return EXIT_OK;
  }
  const paths = Object.keys(devices).sort();
  if (paths.length === 0) {
    session.out('No audit devices are enabled.');
    return EXIT_OK;
  }
  const rows = paths.map((p) => {
    const d = devices[p] as AuditDevice;
    const row = [d.path || p, d.type, d.description ?? ''];
    if (!flags.detailed) return row;
    // Sorted, so the column reads the same on every run (Vault's comes out in map order).
    const options = Object.entries(d.options ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return [...row, d.local ? 'local' : 'replicated', options];
  });
  const header = flags.detailed ? ['Path', 'Type', 'Description', 'Replication', 'Options'] : ['Path', 'Type', 'Description'];
  session.out(table(header, rows));
  return EXIT_OK;
}

const VERIFY_DESCRIPTION = `Checks the hash chain of a file audit device's log. Each line carries prev_hash, the
SHA-256 of the line before it exactly as written (prefix included), so a line deleted,
edited, inserted or moved breaks the chain at the line after it. Give rotated files
oldest first: the chain runs on from one file into the next.

The first line checked is the anchor: its prev_hash is printed, not checked ("" when it is
the device's first entry ever). Prints OK and the number of lines, or the first problem
with its file and line.

Known limits: nothing links to the very last line, so an edit of the last line, or whole
lines cut off the end of the newest file, cannot be detected by the chain alone; keep the
printed last hash elsewhere and compare it to tell. Lines before the anchor are not checked.

Exit status: 0 sound chain, 1 broken chain, usage error or unreadable file.`;

/** verify reads files, never the server: of the global flags it takes only -format. */
const verifyFlags = { format: globalFlags.format } as const satisfies FlagSpec;

/** `audit verify FILE [FILE...]`: checks a file device's hash chain; reads only the files, never the server. */
async function auditVerify(io: CliIo, args: readonly string[]): Promise<number> {
  const { flags, positionals: files } = parseFlags(args, verifyFlags);
  const format = parseFormat(flags.format ?? io.env.COFFER_FORMAT ?? io.env.VAULT_FORMAT);
  if (!format) throw new UsageError(`Invalid output format: ${flags.format}`);
  if (files.length === 0) throw new UsageError('Not enough arguments (expected at least 1 file, got 0); see coffer audit verify -help');
  // Every file is looked at before any is checked, so a missing one is a usage error, not a half-checked chain.
  for (const file of files) await expectReadableFile(file);

  const verifier = new AuditChainVerifier();
  for (const file of files) {
    verifier.beginFile(file);
    await feedFile(verifier, file);
    verifier.endFile();
    if (verifier.broken) break;
  }
  const report = verifier.report();
  if (format === 'table') io.stdout(`${reportText(report)}\n`);
  else io.stdout(`${structured(reportData(report), format)}\n`);
  return report.ok ? EXIT_OK : EXIT_LOCAL_ERROR;
}

async function expectReadableFile(file: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    throw new UsageError(`Error reading ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isFile) throw new UsageError(`Error reading ${file}: not a regular file`);
}

/** Streams a file into the verifier, stopping at the first problem. */
async function feedFile(verifier: AuditChainVerifier, file: string): Promise<void> {
  const stream = createReadStream(file);
  try {
    for await (const chunk of stream) {
      verifier.write(chunk as Buffer);
      if (verifier.broken) break;
    }
  } catch (err) {
    throw new UsageError(`Error reading ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    stream.destroy();
  }
}

function reportText(report: ChainReport): string {
  const lines: string[] = [];
  const fileCount = report.files.length === 1 ? '' : `${report.files.length} files, `;
  if (report.problem) {
    const { file, line, description } = report.problem;
    lines.push(`FAILED: ${file}:${line}: ${description}`);
    const sound = report.lines - 1;
    lines.push(`${sound} line${sound === 1 ? '' : 's'} before it chain soundly${report.anchor ? ` from the anchor ${report.anchor.file}:${report.anchor.line}` : ''}.`);
  } else if (report.lines === 0) {
    lines.push(`OK: ${fileCount}0 lines (nothing to check)`);
    return lines.join('\n');
  } else {
    lines.push(`OK: ${fileCount}${report.lines} line${report.lines === 1 ? '' : 's'}, hash chain intact`);
  }
  const anchor = report.anchor;
  if (anchor) {
    const meaning = anchor.prevHash === '' ? "the device's first entry" : 'links to a line not given here, not checked';
    lines.push(`Anchor: ${anchor.file}:${anchor.line} prev_hash="${anchor.prevHash}" (${meaning})`);
  }
  if (report.ok && report.lastHash) lines.push(`Last line hash: ${report.lastHash}`);
  return lines.join('\n');
}

/** The report for -format=json|yaml, in snake_case as the rest of the API. */
function reportData(report: ChainReport): Record<string, unknown> {
  const data: Record<string, unknown> = { ok: report.ok, lines: report.lines, files: report.files };
  if (report.anchor) data.anchor = { file: report.anchor.file, line: report.anchor.line, prev_hash: report.anchor.prevHash };
  if (report.ok && report.lastHash) data.last_hash = report.lastHash;
  if (report.problem) data.problem = { ...report.problem };
  return data;
}

const auditSubcommands: Subcommands = {
  enable: {
    usage: 'audit enable [options] TYPE [K=V...]',
    summary: 'Enable an audit device (file, socket, syslog)',
    description: "Enables an audit device of TYPE at -path, or at its type's name; its options follow as key=value.",
    examples: ['coffer audit enable file file_path=/var/log/coffer/audit.log'],
    run: auditEnable,
  },
  disable: { usage: 'audit disable PATH', summary: 'Disable an audit device', examples: ['coffer audit disable file/'], run: auditDisable },
  list: { usage: 'audit list [options]', summary: 'List the enabled audit devices', examples: ['coffer audit list -detailed'], run: auditList },
  verify: {
    usage: 'audit verify [options] FILE [FILE...]',
    summary: "Check a file audit log's hash chain (rotated files oldest first)",
    description: VERIFY_DESCRIPTION,
    examples: ['coffer audit verify /var/log/coffer/audit.log.1 /var/log/coffer/audit.log'],
    run: auditVerify,
  },
};

/** `audit <subcommand>`: enable, disable and list audit devices (sys/audit), and verify a log's hash chain. */
export const auditCommand = commandGroup('audit', "Enable, disable and list audit devices, and verify a log's hash chain", auditSubcommands);
