import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Check, Field } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { RecordList } from '../../components/record-list.js';
import { SecretValue } from '../../components/secret-value.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref, splitList } from './links.js';

/** An AppRole mount's roles (auth/<mount>/role LIST) and a form for a new one. */
export function AppRoleRoles({ mount }: { mount: string }) {
  const roles = useLoad(() => vault.list(`auth/${mount}/role`), [mount]);
  return (
    <section class="card" aria-labelledby="roles-heading">
      <h2 id="roles-heading">Roles</h2>
      {roles.loading && !roles.data ? <Loading /> : null}
      <ErrorList error={roles.error} />
      {roles.data?.length === 0 ? <p class="muted">No roles yet.</p> : null}
      {roles.data?.length ? (
        <ul data-testid="role-list">
          {roles.data.map((name) => (
            <li>
              <a href={accessHref('auth', mount, 'role', name)}>{name}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <NewRole mount={mount} />
    </section>
  );
}

function NewRole({ mount }: { mount: string }) {
  const [name, setName] = useState('');
  const [policies, setPolicies] = useState('');
  const [tokenTtl, setTokenTtl] = useState('');
  const [secretIdTtl, setSecretIdTtl] = useState('');
  const [bindSecretId, setBindSecretId] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const role = name.trim();
      await vault.write(`auth/${mount}/role/${encodeURIComponent(role)}`, {
        token_policies: splitList(policies),
        bind_secret_id: bindSecretId,
        ...(tokenTtl.trim() ? { token_ttl: tokenTtl.trim() } : {}),
        ...(secretIdTtl.trim() ? { secret_id_ttl: secretIdTtl.trim() } : {}),
      });
      navigate(accessHref('auth', mount, 'role', role.toLowerCase()));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="new-role-heading">
      <h3 id="new-role-heading">New role</h3>
      <div class="form-grid">
        <Field label="Role name" value={name} onValue={setName} autocomplete="off" required />
        <Field label="Token policies" value={policies} onValue={setPolicies} hint="Comma-separated." autocomplete="off" />
        <Field label="Token TTL" value={tokenTtl} onValue={setTokenTtl} placeholder="mount default" autocomplete="off" />
        <Field label="Secret ID TTL" value={secretIdTtl} onValue={setSecretIdTtl} placeholder="never expires" autocomplete="off" />
      </div>
      <Check label="Require a secret ID at login" checked={bindSecretId} onChecked={setBindSecretId} />
      <ErrorList error={error} />
      <button type="submit" class="primary">
        Create role
      </button>
    </form>
  );
}

/** One AppRole role: its settings, its role ID, a new secret ID (shown once, masked), delete. */
export function AppRoleRolePage({ mount, name }: { mount: string; name: string }) {
  const base = `auth/${mount}/role/${encodeURIComponent(name)}`;
  const role = useLoad(async () => (await vault.read(base))?.data ?? null, [base]);
  const roleId = useLoad(async () => (await vault.read<{ role_id: string }>(`${base}/role-id`))?.data.role_id ?? '', [base]);
  return (
    <Page
      title={`AppRole role ${name}`}
      actions={
        <>
          <a href={accessHref('auth', mount)}>Back to auth/{mount}/</a>
          <ConfirmButton label="Delete role" question={`Delete the role "${name}"? Its secret IDs stop working.`} confirmLabel="Delete" onConfirm={async () => (await vault.remove(base), navigate(accessHref('auth', mount)))} />
        </>
      }
    >
      <section class="card" aria-labelledby="role-id-heading">
        <h2 id="role-id-heading">Role ID</h2>
        <ErrorList error={roleId.error} />
        {roleId.data ? <code data-testid="role-id">{roleId.data}</code> : null}
      </section>
      <SecretIdForm base={base} />
      <section class="card" aria-labelledby="role-heading">
        <h2 id="role-heading">Settings</h2>
        {role.loading && !role.data ? <Loading /> : null}
        <ErrorList error={role.error} />
        {role.data ? <RecordList record={role.data} testId="role-settings" /> : null}
      </section>
    </Page>
  );
}

/** auth/<mount>/role/<name>/secret-id: the new secret ID lives in this component's state only. */
function SecretIdForm({ base }: { base: string }) {
  const [ttl, setTtl] = useState('');
  const [numUses, setNumUses] = useState('');
  const [made, setMade] = useState<{ secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMade(null);
    try {
      const answer = await vault.write<{ secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number }>(`${base}/secret-id`, {
        ...(ttl.trim() ? { ttl: ttl.trim() } : {}),
        ...(numUses.trim() ? { num_uses: Number(numUses) } : {}),
      });
      setMade(answer?.data ?? null);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="secret-id-heading">
      <h2 id="secret-id-heading">Generate a secret ID</h2>
      <form onSubmit={(e) => void submit(e)} class="inline-form">
        <Field label="Secret ID TTL" value={ttl} onValue={setTtl} placeholder="role default" autocomplete="off" />
        <Field label="Number of uses" value={numUses} onValue={setNumUses} inputMode="numeric" placeholder="role default" autocomplete="off" />
        <button type="submit" class="primary">
          Generate secret ID
        </button>
      </form>
      <ErrorList error={error} />
      {made ? (
        <div class="one-time" role="status">
          <strong>New secret ID.</strong> It is shown only now: copy it and hand it on.
          <dl>
            <dt>Secret ID</dt>
            <dd data-testid="secret-id">
              <SecretValue value={made.secret_id} label="secret ID" />
            </dd>
            <dt>Accessor</dt>
            <dd>
              <code>{made.secret_id_accessor}</code>
            </dd>
            <dt>TTL</dt>
            <dd>{made.secret_id_ttl ? `${made.secret_id_ttl}s` : 'never expires'}</dd>
            <dt>Uses</dt>
            <dd>{made.secret_id_num_uses || 'unlimited'}</dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}
