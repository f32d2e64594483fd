import { useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { errorLineOf, HclEditor } from '../../components/hcl-editor.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref } from './links.js';

const NEW_POLICY = `# Read and list the secrets under secret/app/
path "secret/data/app/*" {
  capabilities = ["read", "list"]
}
`;

/** sys/policies/acl LIST, and a new policy written with the same editor a policy is edited in. */
export function PoliciesPage() {
  const list = useLoad(() => vault.list('sys/policies/acl'), []);
  const [creating, setCreating] = useState(false);
  return (
    <Page
      title="ACL policies"
      actions={
        <button type="button" class="primary" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New policy
        </button>
      }
    >
      {creating ? <NewPolicy /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorList error={list.error} />
      {list.data ? (
        <table class="list-table">
          <caption class="visually-hidden">ACL policies</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((name) => (
              <tr>
                <td>
                  <a href={accessHref('policies', name)}>{name}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}

function NewPolicy() {
  const [name, setName] = useState('');
  return (
    <section class="card" aria-labelledby="new-policy-heading">
      <h2 id="new-policy-heading">New policy</h2>
      <Field label="Policy name" value={name} onValue={setName} autocomplete="off" required />
      <PolicyForm name={name.trim()} initial={NEW_POLICY} saveLabel="Create policy" onSaved={() => navigate(accessHref('policies', name.trim().toLowerCase()))} />
    </section>
  );
}

/**
 * The HCL editor and its Save button. A refusal shows the server's errors[]; a parse error's line
 * is marked in the editor. Nothing is stored unless the server accepted the whole text. The text
 * starts as `initial`: render it once that is known, so nothing typed is overwritten by a late answer.
 */
export function PolicyForm({ name, initial, saveLabel, onSaved }: { name: string; initial: string; saveLabel: string; onSaved: () => void }) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      if (!name) throw new Error('a policy needs a name');
      await vault.write(`sys/policies/acl/${encodeURIComponent(name)}`, { policy: text });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const errorLine = error instanceof ApiError ? errorLineOf(error.errors) : null;
  return (
    <form onSubmit={(e) => void save(e)}>
      <HclEditor label="Policy (HCL or JSON)" value={text} onValue={(v) => (setText(v), setSaved(false))} errorLine={errorLine} />
      <ErrorList error={error} />
      {saved ? (
        <p class="success" role="status">
          Saved.
        </p>
      ) : null}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {saveLabel}
        </button>
      </div>
    </form>
  );
}
