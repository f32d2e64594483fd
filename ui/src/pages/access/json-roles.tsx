import { useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Field, TextArea } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { RecordList } from '../../components/record-list.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref } from './links.js';

// JWT/OIDC and Kubernetes have many role and config fields (src/auth/jwt/role.ts,
// src/auth/kubernetes/role.ts): they are written as the JSON body the API takes, which the server
// validates field by field, rather than as a form per field.

function parseBody(text: string): Record<string, unknown> {
  const body = JSON.parse(text) as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * A JSON body in a textarea and its submit button. It starts from `initial` (render it once that is
 * known, so a late answer never overwrites what was typed) and keeps what was typed after a save;
 * the server's refusal shows as its errors[].
 */
function JsonForm({ label, initial, rows, submitLabel, doneText, onSubmit }: { label: string; initial: unknown; rows: number; submitLabel: string; doneText: string; onSubmit: (body: Record<string, unknown>) => Promise<void> }) {
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      await onSubmit(parseBody(text));
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <TextArea label={label} value={text} onValue={(v) => (setText(v), setDone(false))} rows={rows} />
      <ErrorList error={error} />
      {done ? (
        <p class="success" role="status">
          {doneText}
        </p>
      ) : null}
      <button type="submit" class="primary">
        {submitLabel}
      </button>
    </form>
  );
}

/** auth/<mount>/config: read, and written as JSON. */
export function JsonConfig({ mount, example }: { mount: string; example: Record<string, unknown> }) {
  const config = useLoad(async () => {
    try {
      return (await vault.read(`auth/${mount}/config`))?.data ?? null;
    } catch (err) {
      // Not configured yet.
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }, [mount]);
  return (
    <section class="card" aria-labelledby="config-heading">
      <h2 id="config-heading">Method configuration</h2>
      {config.loading && config.data === undefined ? <Loading /> : null}
      <ErrorList error={config.error} />
      {config.data ? <RecordList record={config.data} testId="method-config" /> : config.data === null ? <p class="muted">Not configured yet.</p> : null}
      {config.data !== undefined ? (
        <JsonForm
          label="Configuration (JSON)"
          initial={config.data ?? example}
          rows={8}
          submitLabel="Save configuration"
          doneText="Configuration saved."
          onSubmit={async (body) => (await vault.write(`auth/${mount}/config`, body), config.reload())}
        />
      ) : null}
    </section>
  );
}

/** auth/<mount>/role LIST, and a new role written as JSON. */
export function JsonRoles({ mount, example }: { mount: string; example: Record<string, unknown> }) {
  const roles = useLoad(() => vault.list(`auth/${mount}/role`), [mount]);
  const [name, setName] = useState('');
  const [text, setText] = useState(JSON.stringify(example, null, 2));
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await vault.write(`auth/${mount}/role/${encodeURIComponent(name.trim())}`, parseBody(text));
      navigate(accessHref('auth', mount, 'role', name.trim()));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="roles-heading">
      <h2 id="roles-heading">Roles</h2>
      {roles.loading && !roles.data ? <Loading /> : null}
      <ErrorList error={roles.error} />
      {roles.data?.length === 0 ? <p class="muted">No roles yet.</p> : null}
      {roles.data?.length ? (
        <ul data-testid="role-list">
          {roles.data.map((role) => (
            <li>
              <a href={accessHref('auth', mount, 'role', role)}>{role}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={(e) => void submit(e)} aria-labelledby="new-role-heading">
        <h3 id="new-role-heading">New role</h3>
        <Field label="Role name" value={name} onValue={setName} autocomplete="off" required />
        <TextArea label="Role (JSON)" value={text} onValue={setText} rows={8} />
        <ErrorList error={error} />
        <button type="submit" class="primary">
          Create role
        </button>
      </form>
    </section>
  );
}

/** One JWT/OIDC or Kubernetes role: its fields, rewritten as JSON, and delete. */
export function JsonRolePage({ mount, name, type }: { mount: string; name: string; type: string }) {
  const base = `auth/${mount}/role/${encodeURIComponent(name)}`;
  const role = useLoad(async () => (await vault.read(base))?.data ?? null, [base]);
  return (
    <Page
      title={`${type === 'kubernetes' ? 'Kubernetes' : 'JWT/OIDC'} role ${name}`}
      actions={
        <>
          <a href={accessHref('auth', mount)}>Back to auth/{mount}/</a>
          <ConfirmButton label="Delete role" question={`Delete the role "${name}"? Logins through it stop working.`} confirmLabel="Delete" onConfirm={async () => (await vault.remove(base), navigate(accessHref('auth', mount)))} />
        </>
      }
    >
      <section class="card" aria-labelledby="role-heading">
        <h2 id="role-heading">Settings</h2>
        {role.loading && !role.data ? <Loading /> : null}
        <ErrorList error={role.error} />
        {role.data ? <RecordList record={role.data} testId="role-settings" /> : null}
        {role.data ? (
          <JsonForm label="Role (JSON)" initial={role.data} rows={10} submitLabel="Save role" doneText="Role saved." onSubmit={async (body) => (await vault.write(base, body), role.reload())} />
        ) : null}
      </section>
    </Page>
  );
}
