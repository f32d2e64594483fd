import { useState } from 'preact/hooks';
import { ErrorList } from '../../components/errors.js';
import { Field, Select } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref, mountName } from './links.js';

/** An auth mount as sys/auth lists it. */
export interface AuthMount {
  type: string;
  description: string;
  accessor: string;
  config: { default_lease_ttl: number; max_lease_ttl: number };
  options: Record<string, string> | null;
  local?: boolean;
  seal_wrap?: boolean;
}

/** The auth method types Coffer has (src/auth/, plus the token store, which is always there). */
const TYPES = ['approle', 'userpass', 'jwt', 'oidc', 'kubernetes'] as const;

/** sys/auth: the enabled auth methods, keyed by path ("approle/"). */
export async function readAuthMounts(): Promise<Record<string, AuthMount>> {
  const answer = await vault.read<Record<string, AuthMount>>('sys/auth');
  return answer?.data ?? {};
}

/** sys/auth LIST and enable. */
export function AuthMethodsPage() {
  const mounts = useLoad(readAuthMounts, []);
  const [enabling, setEnabling] = useState(false);
  return (
    <Page
      title="Auth methods"
      actions={
        <button type="button" class="primary" aria-expanded={enabling} onClick={() => setEnabling(!enabling)}>
          Enable auth method
        </button>
      }
    >
      {enabling ? <EnableForm /> : null}
      {mounts.loading && !mounts.data ? <Loading /> : null}
      <ErrorList error={mounts.error} />
      {mounts.data ? (
        <table class="list-table">
          <caption class="visually-hidden">Enabled auth methods</caption>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Type</th>
              <th scope="col">Accessor</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(mounts.data)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([path, mount]) => (
                <tr>
                  <td>
                    <a href={accessHref('auth', mountName(path))}>{path}</a>
                  </td>
                  <td>{mount.type}</td>
                  <td>
                    <code>{mount.accessor}</code>
                  </td>
                  <td>{mount.description || '—'}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}

function EnableForm() {
  const [type, setType] = useState<string>('approle');
  const [path, setPath] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const at = mountName(path.trim()) || type;
    try {
      await vault.write(`sys/auth/${at}`, { type, description });
      navigate(accessHref('auth', at));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="enable-heading">
      <h2 id="enable-heading">Enable an auth method</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div class="form-grid">
          <Select label="Type" value={type} onValue={setType} options={TYPES} />
          <Field label="Path" value={path} onValue={setPath} placeholder={type} hint="Where it is mounted, under auth/. May contain '/'." autocomplete="off" />
          <Field label="Description" value={description} onValue={setDescription} autocomplete="off" />
        </div>
        <ErrorList error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Enable
        </button>
      </form>
    </section>
  );
}
