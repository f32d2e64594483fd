import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { columns, structured } from '../output.js';
import { expectArgs, openSession, type CliIo } from '../session.js';

/** Vault's exit status for `status` against a sealed server (so scripts can tell it apart). */
const EXIT_SEALED = EXIT_USAGE;

/** `status`: the seal status table Vault prints (Seal Type, Initialized, Sealed, ...). */
export async function statusCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 0);
  const client = await session.client();
  let status: Record<string, unknown>;
  let leader: Record<string, unknown> = {};
  try {
    status = await client.sealStatus();
    if (!status.sealed) leader = (await client.request<Record<string, unknown>>('GET', 'sys/leader')) ?? {};
  } catch (err) {
    return session.fail('checking seal status', err);
  }
  const sealed = status.sealed === true;
  if (session.format !== 'table') {
    session.out(structured({ ...status, ha_enabled: leader.ha_enabled ?? false }, session.format));
    return sealed ? EXIT_SEALED : EXIT_OK;
  }
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const rows: string[][] = [
    ['Seal Type', text(status.type)],
    ['Initialized', text(status.initialized)],
    ['Sealed', text(status.sealed)],
    ['Total Shares', text(status.n)],
    ['Threshold', text(status.t)],
  ];
  if (sealed) rows.push(['Unseal Progress', `${text(status.progress)}/${text(status.t)}`], ['Unseal Nonce', text(status.nonce)]);
  rows.push(['Version', text(status.version)], ['Build Date', text(status.build_date)], ['Storage Type', text(status.storage_type)]);
  if (status.cluster_name && status.cluster_id) rows.push(['Cluster Name', text(status.cluster_name)], ['Cluster ID', text(status.cluster_id)]);
  rows.push(['HA Enabled', text(leader.ha_enabled ?? false)]);
  // Vault's status table underlines with "---" and "-----" like every other Key/Value table.
  session.out(columns([['Key', 'Value'], ['---', '-----'], ...rows]));
  return sealed ? EXIT_SEALED : EXIT_OK;
}
