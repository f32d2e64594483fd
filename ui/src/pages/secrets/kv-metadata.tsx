import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Check, Field } from '../../components/field.js';
import { formatTime } from '../../components/format.js';
import { initialDraft, KeyValueEditor, type Draft } from '../../components/key-value-editor.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { deleteAllVersions, readMetadata, writeMetadata, type KvMetadata, type KvMount } from './kv-api.js';
import { KvTabs } from './kv-tabs.js';
import { parentOf, secretsHref } from './links.js';

/** A v2 key's metadata (metadata/<path>): its settings and custom_metadata, and deleting it all. */
export function KvMetadataPage({ mount, path }: { mount: KvMount; path: string }) {
  const metadata = useLoad(() => readMetadata(mount, path), [mount.path, path]);
  return (
    <Page
      title={`Metadata of ${mount.path}${path}`}
      actions={
        metadata.data ? (
          <ConfirmButton
            label="Delete all versions and metadata"
            question={`Delete ${path} entirely: every version, destroyed for good, and its metadata? This cannot be undone.`}
            confirmLabel="Delete everything"
            onConfirm={async () => (await deleteAllVersions(mount, path), navigate(secretsHref(mount.path, 'list', parentOf(path))))}
          />
        ) : undefined
      }
    >
      <Breadcrumbs mount={mount.path} path={path} />
      <KvTabs mount={mount.path} path={path} version={2} current="metadata" />
      {metadata.loading && !metadata.data ? <Loading /> : null}
      <ErrorList error={metadata.error} />
      {metadata.data === null ? <p>No secret at this path.</p> : null}
      {metadata.data ? <MetadataForm mount={mount} path={path} metadata={metadata.data} onSaved={metadata.reload} /> : null}
    </Page>
  );
}

function MetadataForm({ mount, path, metadata, onSaved }: { mount: KvMount; path: string; metadata: KvMetadata; onSaved: () => void }) {
  const [maxVersions, setMaxVersions] = useState(String(metadata.max_versions));
  const [casRequired, setCasRequired] = useState(metadata.cas_required);
  const [deleteAfter, setDeleteAfter] = useState(metadata.delete_version_after || '0s');
  const custom = metadata.custom_metadata ?? {};
  const [draft, setDraft] = useState<Draft>(initialDraft(custom));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    if (!draft.ok) return setError(new Error(draft.error));
    if (!/^\d+$/.test(maxVersions.trim())) return setError(new Error('Max versions must be a whole number (0: the mount’s setting).'));
    try {
      await writeMetadata(mount, path, { max_versions: Number(maxVersions), cas_required: casRequired, delete_version_after: deleteAfter.trim() || '0s', custom_metadata: draft.data as Record<string, string> });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <dl class="card">
        <dt>Current version</dt>
        <dd data-testid="current-version">{metadata.current_version}</dd>
        <dt>Oldest version</dt>
        <dd>{metadata.oldest_version}</dd>
        <dt>Created</dt>
        <dd>{formatTime(metadata.created_time)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(metadata.updated_time)}</dd>
      </dl>
      <form class="card" onSubmit={(e) => void save(e)}>
        <Field label="Max versions" value={maxVersions} onValue={setMaxVersions} inputMode="numeric" hint="Versions kept; 0 uses the mount's setting." autocomplete="off" />
        <Check label="Require check-and-set" checked={casRequired} onChecked={setCasRequired} />
        <Field label="Delete versions after" value={deleteAfter} onValue={setDeleteAfter} hint="A duration (3h, 30m); 0s keeps them." autocomplete="off" />
        <KeyValueEditor legend="Custom metadata" initial={custom} onDraft={setDraft} masked={false} stringsOnly />
        <ErrorList error={error} />
        {saved ? (
          <p class="success" role="status">
            Metadata saved.
          </p>
        ) : null}
        <button type="submit" class="primary">
          Save metadata
        </button>
      </form>
    </>
  );
}
