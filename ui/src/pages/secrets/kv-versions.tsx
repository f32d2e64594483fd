import { useEffect, useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Select } from '../../components/field.js';
import { formatTime } from '../../components/format.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { changeVersions, readMetadata, type KvMount, type VersionInfo } from './kv-api.js';
import { KvTabs } from './kv-tabs.js';
import { secretsHref } from './links.js';
import { VersionDiff } from './version-diff.js';

const stateOf = (info: VersionInfo) => (info.destroyed ? 'destroyed' : info.deletion_time ? 'deleted' : 'live');

/** A v2 secret's versions: each one's state, delete / undelete / destroy, and a diff of two. */
export function KvVersionsPage({ mount, path }: { mount: KvMount; path: string }) {
  const metadata = useLoad(() => readMetadata(mount, path), [mount.path, path]);
  const versions = Object.entries(metadata.data?.versions ?? {})
    .map(([n, info]) => [Number(n), info] as const)
    .sort(([a], [b]) => b - a);
  const act = (action: 'delete' | 'undelete' | 'destroy', n: number) => async () => {
    await changeVersions(mount, action, path, [n]);
    metadata.reload();
  };
  const [undeleteError, setUndeleteError] = useState<unknown>(null);

  return (
    <Page title={`Versions of ${mount.path}${path}`}>
      <Breadcrumbs mount={mount.path} path={path} />
      <KvTabs mount={mount.path} path={path} version={2} current="versions" />
      {metadata.loading && !metadata.data ? <Loading /> : null}
      <ErrorList error={metadata.error} />
      <ErrorList error={undeleteError} />
      {metadata.data === null ? <p>No secret at this path.</p> : null}
      {metadata.data ? (
        <>
          <table class="versions">
            <caption class="visually-hidden">Versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Written</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.map(([n, info]) => (
                <tr data-testid={`version-${n}`}>
                  <td>
                    <a href={secretsHref(mount.path, 'show', path, { version: String(n) })}>Version {n}</a>
                    {n === metadata.data?.current_version ? <span class="badge">current</span> : null}
                  </td>
                  <td>{formatTime(info.created_time)}</td>
                  <td>{stateOf(info) === 'deleted' ? `deleted ${formatTime(info.deletion_time)}` : stateOf(info)}</td>
                  <td class="row-actions">
                    {stateOf(info) === 'live' ? <ConfirmButton label={`Delete version ${n}`} question={`Soft-delete version ${n}? It can be undeleted until it is destroyed.`} onConfirm={act('delete', n)} /> : null}
                    {stateOf(info) === 'deleted' ? (
                      <button
                        type="button"
                        onClick={() => {
                          setUndeleteError(null);
                          act('undelete', n)().catch(setUndeleteError);
                        }}
                      >
                        Undelete version {n}
                      </button>
                    ) : null}
                    {stateOf(info) !== 'destroyed' ? <ConfirmButton label={`Destroy version ${n}`} question={`Destroy version ${n}? Its data is removed for good; this cannot be undone.`} onConfirm={act('destroy', n)} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <DiffPicker mount={mount} path={path} versions={versions.map(([n]) => n)} />
        </>
      ) : null}
    </Page>
  );
}

function DiffPicker({ mount, path, versions }: { mount: KvMount; path: string; versions: number[] }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    if (!versions.length) return;
    setTo((t) => t || String(versions[0]));
    setFrom((f) => f || String(versions[1] ?? versions[0]));
  }, [versions.join(',')]);
  if (versions.length < 2) return null;
  const options = versions.map((n) => [String(n), `Version ${n}`] as [string, string]);
  return (
    <section class="card" aria-labelledby="diff-heading">
      <h2 id="diff-heading">Compare versions</h2>
      <div class="row">
        <Select label="From version" value={from} onValue={setFrom} options={options} />
        <Select label="To version" value={to} onValue={setTo} options={options} />
      </div>
      {from && to ? <VersionDiff mount={mount} path={path} from={Number(from)} to={Number(to)} /> : null}
    </section>
  );
}
