import { useState } from 'preact/hooks';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { initialDraft, KeyValueEditor, type Draft } from '../../components/key-value-editor.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { mountCasRequired, readMetadata, readSecret, writeSecret, type KvMount } from './kv-api.js';
import { KvTabs } from './kv-tabs.js';
import { secretsHref } from './links.js';

/**
 * Creates a secret (`path` is the folder it starts in) or writes a new version of one. When the key
 * or the mount requires check-and-set, the write names the version it replaces (0 for a new key), so
 * someone else's write in between is refused, not lost.
 */
export function KvEditPage({ mount, path, creating }: { mount: KvMount; path: string; creating: boolean }) {
  const loaded = useLoad(async () => {
    const [secret, metadata, mountCas] = await Promise.all([
      creating ? Promise.resolve(null) : readSecret(mount, path),
      mount.version === 2 && !creating ? readMetadata(mount, path).catch(() => null) : Promise.resolve(null),
      mount.version === 2 ? mountCasRequired(mount) : Promise.resolve(false),
    ]);
    return { secret, metadata, casRequired: mountCas || metadata?.cas_required === true };
  }, [mount.path, path, creating]);

  const title = creating ? 'Create secret' : `Edit ${mount.path}${path}`;
  if (loaded.loading && !loaded.data) return <Loading />;
  return (
    <Page title={title}>
      <Breadcrumbs mount={mount.path} path={path} />
      {!creating ? <KvTabs mount={mount.path} path={path} version={mount.version} current="edit" /> : null}
      <ErrorList error={loaded.error} />
      {loaded.data ? <EditForm mount={mount} path={path} creating={creating} initial={loaded.data.secret?.data ?? {}} currentVersion={loaded.data.metadata?.current_version ?? loaded.data.secret?.version ?? 0} casRequired={loaded.data.casRequired} /> : null}
    </Page>
  );
}

function EditForm({ mount, path, creating, initial, currentVersion, casRequired }: { mount: KvMount; path: string; creating: boolean; initial: Record<string, unknown>; currentVersion: number; casRequired: boolean }) {
  const [target, setTarget] = useState(path);
  const [draft, setDraft] = useState<Draft>(initialDraft(initial));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const where = (creating ? target : path).trim().replace(/^\/+/, '');
    if (!where || where.endsWith('/')) return setError(new Error('Give the secret a path that does not end with “/”.'));
    if (!draft.ok) return setError(new Error(draft.error));
    setBusy(true);
    try {
      await writeSecret(mount, where, draft.data, casRequired ? (creating ? 0 : currentVersion) : undefined);
      navigate(secretsHref(mount.path, 'show', where));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={(e) => void save(e)}>
      {creating ? <Field label="Path" value={target} onValue={setTarget} autocomplete="off" spellcheck={false} hint={`Under ${mount.path}; “/” makes folders (app/db).`} required /> : null}
      {casRequired ? (
        <p class="notice">
          Check-and-set is required here: this write {creating ? 'must create the key' : `replaces version ${currentVersion} only if no one wrote since`}.
        </p>
      ) : null}
      <KeyValueEditor legend="Secret data" initial={initial} onDraft={setDraft} />
      <ErrorList error={error} />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {creating ? 'Create secret' : mount.version === 2 ? 'Save new version' : 'Save'}
        </button>
        <a href={creating ? secretsHref(mount.path, 'list', path) : secretsHref(mount.path, 'show', path)}>Cancel</a>
      </div>
    </form>
  );
}
