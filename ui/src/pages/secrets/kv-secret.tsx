import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { formatTime } from '../../components/format.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { SecretDataTable } from '../../components/secret-data-table.js';
import { navigate } from '../../route.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { changeVersions, deleteLatest, readMetadata, readSecret, type KvMount } from './kv-api.js';
import { KvTabs } from './kv-tabs.js';
import { parentOf, secretsHref } from './links.js';
import { WrapSecret } from './wrap-secret.js';

/** One secret (v2: one version, the latest unless `version`), its values masked until revealed. */
export function KvSecretPage({ mount, path, version }: { mount: KvMount; path: string; version: number }) {
  const loaded = useLoad(async () => {
    const [secret, metadata] = await Promise.all([readSecret(mount, path, version), mount.version === 2 ? readMetadata(mount, path).catch(() => null) : Promise.resolve(null)]);
    return { secret, metadata };
  }, [mount.path, path, version]);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState(false);
  const secret = loaded.data?.secret;
  const metadata = loaded.data?.metadata;
  const shownVersion = version || secret?.version || metadata?.current_version || 0;
  const info = metadata?.versions[String(shownVersion)];

  const undelete = async () => {
    setError(null);
    try {
      await changeVersions(mount, 'undelete', path, [shownVersion]);
      loaded.reload();
    } catch (err) {
      setError(err);
    }
  };
  const copyJson = async () => {
    if (!secret) return;
    await navigator.clipboard.writeText(JSON.stringify(secret.data, null, 2));
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  return (
    <Page
      title={`${mount.path}${path}`}
      actions={
        secret ? (
          <ConfirmButton
            label={mount.version === 2 ? `Delete version ${shownVersion}` : 'Delete secret'}
            question={mount.version === 2 ? `Soft-delete version ${shownVersion} of ${path}? It can be undeleted until it is destroyed.` : `Delete ${path}? KV version 1 keeps no history: it cannot be undone.`}
            onConfirm={async () => {
              if (mount.version === 2) {
                await changeVersions(mount, 'delete', path, [shownVersion]);
                loaded.reload();
              } else {
                await deleteLatest(mount, path);
                navigate(secretsHref(mount.path, 'list', parentOf(path)));
              }
            }}
          />
        ) : undefined
      }
    >
      <Breadcrumbs mount={mount.path} path={path} />
      <KvTabs mount={mount.path} path={path} version={mount.version} current="show" />
      {loaded.loading && !loaded.data ? <Loading /> : null}
      <ErrorList error={loaded.error} />
      <ErrorList error={error} />
      {loaded.data && !secret ? (
        <div class="notice" role="status">
          {info?.destroyed ? (
            <p>Version {shownVersion} was destroyed: its data is gone for good.</p>
          ) : info?.deletion_time ? (
            <>
              <p>
                Version {shownVersion} was deleted at {formatTime(info.deletion_time)}.
              </p>
              <button type="button" onClick={() => void undelete()}>
                Undelete version {shownVersion}
              </button>
            </>
          ) : (
            <p>
              No secret at this path. <a href={secretsHref(mount.path, 'create', path)}>Create it</a>.
            </p>
          )}
        </div>
      ) : null}
      {secret ? (
        <section class="card" aria-labelledby="secret-data-heading">
          <h2 id="secret-data-heading">{mount.version === 2 ? `Version ${shownVersion}` : 'Data'}</h2>
          {secret.createdTime ? <p class="muted">Written {formatTime(secret.createdTime)}</p> : null}
          {Object.keys(secret.data).length === 0 ? <p>This secret holds no keys.</p> : null}
          <SecretDataTable data={secret.data} caption="Keys and values of the secret" />
          <div class="row">
            <button type="button" onClick={() => void copyJson()}>
              {copied ? 'Copied' : 'Copy as JSON'}
            </button>
          </div>
        </section>
      ) : null}
      {secret ? <WrapSecret data={secret.data} /> : null}
    </Page>
  );
}
