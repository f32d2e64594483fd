import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { decodeBackup, encodeBackup } from '../backup.js';
import { checkedKeyName, loadPolicy, putPolicy, updatePolicy } from '../key-policy.js';

/**
 * backup/:name: the key in Vault's plaintext backup format. Only for keys that are both
 * exportable and allow_plaintext_backup; the backup's time and version are recorded on the key
 * first, as Vault records them.
 */
async function backupKey(req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  if (!(await loadPolicy(store, name))) throw invalidRequest(`key "${name}" not found`);
  const policy = await updatePolicy(
    store,
    name,
    (p) => {
      if (!p.exportable) throw invalidRequest('exporting is disallowed on the policy');
      if (!p.allow_plaintext_backup) throw invalidRequest('plaintext backup is disallowed on the policy');
      p.backup_info = { time: new Date().toISOString(), version: p.latest_version };
    },
    `key "${name}" not found`,
  );
  return ok({ backup: encodeBackup(policy) });
}

const restoreFields = {
  name: field.string({ description: 'The restored key\'s name (also the last URL segment); the backup\'s own name when absent.' }),
  backup: field.string({ description: 'What backup/:name answered (ours or Vault\'s).' }),
  force: field.bool({ description: 'Replace a key of the same name.' }),
};

/** restore(/:name): the backed-up key, every version and its HMAC keys, stored as one write; refused over an existing key unless force. */
async function restoreKey(req: Req<typeof restoreFields>, store: MountStorage): Promise<Resp> {
  if (req.fields.backup === '') throw invalidRequest("'backup' must be supplied");
  const requested = req.fields.name;
  if (requested.includes('/')) throw invalidRequest('key names cannot be paths');
  if (requested !== '') checkedKeyName(requested);
  const policy = decodeBackup(req.fields.backup, requested || undefined);
  checkedKeyName(policy.name);
  policy.restore_info = { time: new Date().toISOString(), version: policy.latest_version };
  await putPolicy(store, policy, req.fields.force);
  return noContent();
}

/** transit/backup/:name and restore(/:name). */
export function backupPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'backup/:name',
      fields: { name: field.string({ required: true }) },
      // Every version's key material in plaintext: a secret read for the listener's allowlist.
      returnsSecret: ['read'],
      operations: { read: backupKey },
      description: 'A plaintext backup of an exportable key that allows it (Vault\'s format).',
    }),
    ...['restore/:name', 'restore'].map((pattern) =>
      definePath({
        pattern,
        fields: restoreFields,
        operations: { update: restoreKey },
        description: 'Restore a key from a plaintext backup.',
      }),
    ),
  ];
}
