import { useState } from 'preact/hooks';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { ENABLE_HREF, secretsHref, withSlash } from './links.js';

interface MountRow {
  type: string;
  description: string;
  options: Record<string, string> | null;
}

/** Mounts the core owns and no one browses (Vault's UI does not list them either). */
const HIDDEN_TYPES = new Set(['system', 'identity']);

/**
 * The secret engines this token may use, from sys/internal/ui/mounts (as Vault's UI): a token
 * without read on sys/mounts still sees the mounts its policies reach into.
 */
export function MountsPage() {
  const mounts = useLoad(async () => {
    const answer = await vault.read<{ secret: Record<string, MountRow> }>('sys/internal/ui/mounts');
    return Object.entries(answer?.data.secret ?? {})
      .filter(([, m]) => !HIDDEN_TYPES.has(m.type))
      .sort(([a], [b]) => a.localeCompare(b));
  }, []);
  return (
    <Page
      title="Secrets engines"
      actions={
        <a class="button" href={ENABLE_HREF}>
          Enable an engine
        </a>
      }
    >
      <GoToMount />
      {mounts.loading && !mounts.data ? <Loading /> : null}
      <ErrorList error={mounts.error} />
      {mounts.data ? (
        <table class="mounts">
          <caption class="visually-hidden">Enabled secrets engines</caption>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Type</th>
              <th scope="col">Version</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {mounts.data.map(([path, m]) => (
              <tr>
                <td>
                  <a href={secretsHref(path)}>{path}</a>
                </td>
                <td>{m.type}</td>
                <td>{m.type === 'kv' || m.type === 'generic' ? `v${m.options?.version ?? '1'}` : '—'}</td>
                <td>{m.description || <span class="muted">—</span>}</td>
                <td>
                  <a href={secretsHref(path, 'tune')} aria-label={`Configure ${path}`}>
                    Configure
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}

/** A mount typed by hand: for a token that may use a mount but not read sys/mounts. */
function GoToMount() {
  const [path, setPath] = useState('');
  return (
    <form class="row go-to" onSubmit={(e) => (e.preventDefault(), path.trim() && navigate(secretsHref(withSlash(path.trim()))))}>
      <Field label="Go to a mount" value={path} onValue={setPath} placeholder="secret/" autocomplete="off" />
      <button type="submit">Go</button>
    </form>
  );
}
