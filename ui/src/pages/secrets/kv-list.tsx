import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { Breadcrumbs } from './breadcrumbs.js';
import { listKeys, type KvMount } from './kv-api.js';
import { secretsHref } from './links.js';

/** Names shown at once: a mount with 20 000 keys stays usable. */
export const PAGE_SIZE = 50;

/**
 * A KV folder: its keys (LIST), filtered by the path typed in the box, a page at a time. Enter in
 * the box opens the typed path even where the token may read but not list, as Vault users ask.
 */
export function KvListPage({ mount, folder }: { mount: KvMount; folder: string }) {
  const keys = useLoad(() => listKeys(mount, folder), [mount.path, folder]);
  const [typed, setTyped] = useState(folder);
  const [page, setPage] = useState(0);
  useEffect(() => (setTyped(folder), setPage(0)), [folder]);
  useEffect(() => setPage(0), [typed]);

  // Within this folder, the typed path keeps the keys it could lead to (a folder it goes into, too).
  const rest = typed.startsWith(folder) ? typed.slice(folder.length) : '';
  const shown = (keys.data ?? []).filter((k) => k.startsWith(rest) || (k.endsWith('/') && rest.startsWith(k)));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const visible = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const cannotList = keys.error instanceof ApiError && keys.error.status === 403;

  const open = (e: Event) => {
    e.preventDefault();
    const target = typed.trim().replace(/^\/+/, '');
    if (!target) return navigate(secretsHref(mount.path));
    navigate(target.endsWith('/') ? secretsHref(mount.path, 'list', target) : secretsHref(mount.path, 'show', target));
  };

  return (
    <Page
      title={folder ? `${mount.path}${folder}` : mount.path}
      actions={
        <>
          <a class="button primary" href={secretsHref(mount.path, 'create', folder)}>
            Create secret
          </a>
          <a class="button" href={secretsHref(mount.path, 'tune')}>
            Configure
          </a>
        </>
      }
    >
      <Breadcrumbs mount={mount.path} path={folder} />
      <p class="muted">
        KV version {mount.version}
        {mount.description ? ` · ${mount.description}` : ''}
      </p>
      <form class="row go-to" onSubmit={open} role="search">
        <Field label="Filter or open a path" value={typed} onValue={setTyped} autocomplete="off" spellcheck={false} hint="Filters this folder as you type; Enter opens the path (a folder if it ends with “/”), even one you cannot list." />
        <button type="submit">Open</button>
      </form>
      {keys.loading && !keys.data ? <Loading /> : null}
      <ErrorList error={keys.error} />
      {cannotList ? <p class="muted">This token may not list here. Type the path of a secret it may read and press Enter.</p> : null}
      {keys.data && keys.data.length === 0 ? <p>No secrets here yet.</p> : null}
      {keys.data && keys.data.length > 0 ? (
        <>
          <p class="muted" role="status" data-testid="list-count">
            {shown.length === 0 ? 'Nothing matches.' : `Showing ${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + visible.length} of ${shown.length}${shown.length < keys.data.length ? ` (of ${keys.data.length} in this folder)` : ''}`}
          </p>
          <ul class="kv-keys" aria-label={`Keys in ${mount.path}${folder}`}>
            {visible.map((key) => (
              <li>
                <a href={key.endsWith('/') ? secretsHref(mount.path, 'list', `${folder}${key}`) : secretsHref(mount.path, 'show', `${folder}${key}`)}>
                  <span aria-hidden="true" class="kv-icon">
                    {key.endsWith('/') ? '▸' : '•'}
                  </span>
                  {key}
                </a>
              </li>
            ))}
          </ul>
          {pages > 1 ? (
            <nav class="row" aria-label="Pages">
              <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                Previous page
              </button>
              <span>
                Page {page + 1} of {pages}
              </span>
              <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
                Next page
              </button>
            </nav>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
