import { field } from '../../../../framework/fields.js';
import { definePath, noContent, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { commitGuarded } from '../commit.js';
import type { KvV2Context } from '../context.js';
import { parseSignedDuration, requireNonNegative } from '../input.js';
import { CONFIG_KEY, loadConfig, type MountConfig } from '../model.js';
import { formatSignedDuration } from '../time.js';

const fields = {
  max_versions: field.int({ description: 'Versions to keep per key; 0 means 10.' }),
  cas_required: field.bool({ description: 'Require the cas option on every data write.' }),
  delete_version_after: field.any({ description: 'Delete versions this long after writing; 0 clears, negative disables.' }),
};
type ConfigReq = Req<typeof fields>;

async function readConfig(_req: ConfigReq, store: MountStorage): Promise<Resp> {
  const config = await loadConfig(store);
  return ok({
    cas_required: config.cas_required,
    delete_version_after: formatSignedDuration(config.delete_version_after),
    max_versions: config.max_versions,
  });
}

/** The mount's config path (Vault: /:mount/config). */
export function configPath(ctx: KvV2Context): PathDef {
  async function writeConfig(req: ConfigReq, store: MountStorage): Promise<Resp> {
    const maxVersions = req.provided('max_versions') ? requireNonNegative(req.fields.max_versions, 'max_versions') : undefined;
    const deleteAfter = req.provided('delete_version_after')
      ? parseSignedDuration(req.fields.delete_version_after, 'delete_version_after')
      : undefined;
    if (maxVersions === undefined && deleteAfter === undefined && !req.provided('cas_required')) return noContent();
    return commitGuarded<MountConfig, Resp>(store, ctx.lock, CONFIG_KEY, async () => {
      const config = await loadConfig(store);
      if (maxVersions !== undefined) config.max_versions = maxVersions;
      if (req.provided('cas_required')) config.cas_required = req.fields.cas_required;
      // Any negative duration means "disabled"; Vault keeps it as -1s.
      if (deleteAfter !== undefined) config.delete_version_after = deleteAfter < 0 ? -1 : deleteAfter;
      return { ops: [{ type: 'put', key: CONFIG_KEY, value: config }], result: noContent() };
    });
  }

  return definePath({
    pattern: 'config',
    fields,
    operations: { read: readConfig, update: writeConfig },
    description: 'Settings that apply to every key of the mount.',
  });
}
