import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { RecordList } from '../../components/record-list.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { AppRoleRoles } from './approle.js';
import { readAuthMounts, type AuthMount } from './auth-methods.js';
import { JsonConfig, JsonRoles } from './json-roles.js';
import { accessHref } from './links.js';
import { UserpassUsers } from './userpass.js';

/** One auth mount: what it is, tune, disable, and its roles or users by type. */
export function AuthMethodPage({ mount }: { mount: string }) {
  const found = useLoad(async () => (await readAuthMounts())[`${mount}/`] ?? null, [mount]);
  const entry = found.data;
  return (
    <Page
      title={`Auth method ${mount}/`}
      actions={
        <>
          <a href={accessHref('auth')}>All auth methods</a>
          {entry && entry.type !== 'token' ? (
            <ConfirmButton label="Disable auth method" question={`Disable auth/${mount}/? Every token it issued is revoked and its roles and users are deleted.`} confirmLabel="Disable" onConfirm={async () => (await vault.remove(`sys/auth/${mount}`), navigate(accessHref('auth')))} />
          ) : null}
        </>
      }
    >
      {found.loading && found.data === undefined ? <Loading /> : null}
      <ErrorList error={found.error} />
      {found.data === null ? <p class="notice">No auth method is enabled at auth/{mount}/.</p> : null}
      {entry ? (
        <>
          <section class="card" aria-labelledby="mount-heading">
            <h2 id="mount-heading">Configuration</h2>
            <RecordList
              testId="mount-config"
              record={{ type: entry.type, path: `auth/${mount}/`, accessor: entry.accessor, description: entry.description, default_lease_ttl: entry.config.default_lease_ttl || 'system default', max_lease_ttl: entry.config.max_lease_ttl || 'system default', local: entry.local, seal_wrap: entry.seal_wrap }}
              keys={['type', 'path', 'accessor', 'description', 'default_lease_ttl', 'max_lease_ttl', 'local', 'seal_wrap']}
            />
          </section>
          <TuneForm mount={mount} entry={entry} onTuned={found.reload} />
          <TypePanel mount={mount} type={entry.type} />
        </>
      ) : null}
    </Page>
  );
}

function TypePanel({ mount, type }: { mount: string; type: string }) {
  switch (type) {
    case 'approle':
      return <AppRoleRoles mount={mount} />;
    case 'userpass':
      return <UserpassUsers mount={mount} />;
    case 'jwt':
    case 'oidc':
      return (
        <>
          <JsonConfig mount={mount} example={{ jwks_url: 'https://issuer.example.com/.well-known/jwks.json', bound_issuer: 'https://issuer.example.com', default_role: '' }} />
          <JsonRoles mount={mount} example={{ role_type: 'jwt', bound_audiences: ['coffer'], user_claim: 'sub', token_policies: ['default'], token_ttl: '1h' }} />
        </>
      );
    case 'kubernetes':
      return (
        <>
          <JsonConfig mount={mount} example={{ kubernetes_host: 'https://kubernetes.default.svc', kubernetes_ca_cert: '' }} />
          <JsonRoles mount={mount} example={{ bound_service_account_names: ['app'], bound_service_account_namespaces: ['default'], token_policies: ['default'], token_ttl: '1h' }} />
        </>
      );
    default:
      return null;
  }
}

/**
 * sys/auth/<path>/tune. Coffer tunes the description and the lease TTLs; Vault's other tunables
 * (listing_visibility, token_type, …) are not kept by Coffer's mount table, so they are not offered.
 */
function TuneForm({ mount, entry, onTuned }: { mount: string; entry: AuthMount; onTuned: () => void }) {
  const [description, setDescription] = useState(entry.description);
  const [defaultTtl, setDefaultTtl] = useState(entry.config.default_lease_ttl ? `${entry.config.default_lease_ttl}s` : '');
  const [maxTtl, setMaxTtl] = useState(entry.config.max_lease_ttl ? `${entry.config.max_lease_ttl}s` : '');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    try {
      await vault.write(`sys/auth/${mount}/tune`, { description, default_lease_ttl: defaultTtl.trim(), max_lease_ttl: maxTtl.trim() });
      setDone(true);
      onTuned();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="tune-heading">
      <h2 id="tune-heading">Tune</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div class="form-grid">
          <Field label="Description" value={description} onValue={setDescription} autocomplete="off" />
          <Field label="Default lease TTL" value={defaultTtl} onValue={setDefaultTtl} placeholder="system default" hint="A duration: 30m, 12h, 3600s." autocomplete="off" />
          <Field label="Max lease TTL" value={maxTtl} onValue={setMaxTtl} placeholder="system default" hint="A duration: 24h, 768h." autocomplete="off" />
        </div>
        <ErrorList error={error} />
        {done ? (
          <p class="success" role="status">
            Tuned.
          </p>
        ) : null}
        <button type="submit" class="primary">
          Save tuning
        </button>
      </form>
    </section>
  );
}
