import type { CofferClient } from '../../client/index.js';
import { EXIT_OK } from '../exit-codes.js';
import { columns, structured } from '../output.js';
import { expectArgs, openSession, type CliIo, type Session } from '../session.js';

/** Vault's exit status for `status` against a sealed server (so scripts can tell it apart). */
const EXIT_SEALED = 2;

/** `status`: the seal status table Vault prints (Seal Type, Initialized, Sealed, ...); exits 2 when sealed. */
export async function statusCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { session, positionals } = openSession(io, args, {});
  expectArgs(positionals, 0);
  const client = await session.client();
  let status: Record<string, unknown>;
  try {
    status = await client.operator.sealStatus();
  } catch (err) {
    return session.fail('checking seal status', err);
  }
  const code = await printSealStatus(session, client, status);
  return code === EXIT_OK && status.sealed === true ? EXIT_SEALED : code;
}

/**
 * Prints a seal status (as sys/seal-status, sys/unseal answer it) the way Vault's OutputSealStatus
 * does: a Key/Value table, or the status plus ha_enabled in a structured format. Shared by `status`
 * and `operator unseal`. Answers the exit status: non-zero only when sys/leader could not be read.
 */
export async function printSealStatus(session: Session, client: CofferClient, status: Record<string, unknown>): Promise<number> {
  let leader: Record<string, unknown> = {};
  // sys/leader answers only about an unsealed server (HA mode and leader are unknown while sealed).
  if (!status.sealed) {
    try {
      leader = (await client.request<Record<string, unknown>>('GET', 'sys/leader')) ?? {};
    } catch (err) {
      return session.fail('checking leader status', err);
    }
  }
  if (session.format !== 'table') {
    session.out(structured({ ...status, ha_enabled: leader.ha_enabled ?? false }, session.format));
    return EXIT_OK;
  }
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  // Vault's labels: a KMS seal's shares are recovery shares, split by Shamir.
  const recovery = status.recovery_seal === true;
  const sealType = status.ephemeral === true ? `${text(status.type)} (ephemeral: data will not survive a restart)` : text(status.type);
  const rows: string[][] = [
    ['Seal Type', sealType],
    ...(recovery ? [['Recovery Seal Type', text(status.recovery_seal_type) || 'shamir']] : []),
    ['Initialized', text(status.initialized)],
    ['Sealed', text(status.sealed)],
    [recovery ? 'Total Recovery Shares' : 'Total Shares', text(status.n)],
    ['Threshold', text(status.t)],
  ];
  if (status.sealed === true) rows.push(['Unseal Progress', `${text(status.progress)}/${text(status.t)}`], ['Unseal Nonce', text(status.nonce)]);
  rows.push(['Version', text(status.version)], ['Build Date', text(status.build_date)], ['Storage Type', text(status.storage_type)]);
  if (status.cluster_name && status.cluster_id) rows.push(['Cluster Name', text(status.cluster_name)], ['Cluster ID', text(status.cluster_id)]);
  rows.push(['HA Enabled', text(leader.ha_enabled ?? false)]);
  // Vault's HA rows: the leader's cluster address, whether this node leads, and where the leader is.
  if (leader.ha_enabled === true && status.sealed === false) {
    rows.push(['HA Cluster', text(leader.leader_cluster_address) || 'n/a'], ['HA Mode', leader.is_self ? 'active' : 'standby']);
    if (leader.is_self) rows.push(['Active Since', text(leader.active_time)]);
    else rows.push(['Active Node Address', text(leader.leader_address) || '<none>']);
  }
  // Vault's status table underlines with "---" and "-----" like every other Key/Value table.
  session.out(columns([['Key', 'Value'], ['---', '-----'], ...rows]));
  return EXIT_OK;
}
