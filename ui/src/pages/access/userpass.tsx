import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { RecordList } from '../../components/record-list.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref, splitList } from './links.js';

/** A userpass mount's users (auth/<mount>/users LIST) and a form for a new one. */
export function UserpassUsers({ mount }: { mount: string }) {
  const users = useLoad(() => vault.list(`auth/${mount}/users`), [mount]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [policies, setPolicies] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await vault.write(`auth/${mount}/users/${encodeURIComponent(name.trim())}`, { password, token_policies: splitList(policies) });
      setName('');
      setPassword('');
      setPolicies('');
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      {users.loading && !users.data ? <Loading /> : null}
      <ErrorList error={users.error} />
      {users.data?.length === 0 ? <p class="muted">No users yet.</p> : null}
      {users.data?.length ? (
        <ul data-testid="user-list">
          {users.data.map((user) => (
            <li>
              <a href={accessHref('auth', mount, 'user', user)}>{user}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={(e) => void submit(e)} aria-labelledby="new-user-heading">
        <h3 id="new-user-heading">New user</h3>
        <div class="form-grid">
          <Field label="Username" value={name} onValue={setName} autocomplete="off" required />
          <Field label="Password" type="password" value={password} onValue={setPassword} autocomplete="new-password" required />
          <Field label="Token policies" value={policies} onValue={setPolicies} hint="Comma-separated." autocomplete="off" />
        </div>
        <ErrorList error={error} />
        <button type="submit" class="primary">
          Create user
        </button>
      </form>
    </section>
  );
}

/** One userpass user: its token settings, a password reset, delete. */
export function UserpassUserPage({ mount, name }: { mount: string; name: string }) {
  const base = `auth/${mount}/users/${encodeURIComponent(name)}`;
  const user = useLoad(async () => (await vault.read(base))?.data ?? null, [base]);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const reset = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      await vault.write(`${base}/password`, { password });
      setPassword('');
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Page
      title={`User ${name}`}
      actions={
        <>
          <a href={accessHref('auth', mount)}>Back to auth/{mount}/</a>
          <ConfirmButton label="Delete user" question={`Delete the user "${name}"? They can no longer sign in.`} confirmLabel="Delete" onConfirm={async () => (await vault.remove(base), navigate(accessHref('auth', mount)))} />
        </>
      }
    >
      <section class="card" aria-labelledby="user-heading">
        <h2 id="user-heading">Token settings</h2>
        {user.loading && !user.data ? <Loading /> : null}
        <ErrorList error={user.error} />
        {user.data ? <RecordList record={user.data} /> : null}
      </section>
      <section class="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Reset the password</h2>
        <form onSubmit={(e) => void reset(e)} class="inline-form">
          <Field label="New password" type="password" value={password} onValue={setPassword} autocomplete="new-password" required />
          <button type="submit" class="primary">
            Set password
          </button>
        </form>
        <ErrorList error={error} />
        {done ? (
          <p class="success" role="status">
            Password changed.
          </p>
        ) : null}
      </section>
    </Page>
  );
}
