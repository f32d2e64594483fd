import { ErrorList } from '../../components/errors.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { AppRoleRolePage } from './approle.js';
import { AuthMethodPage } from './auth-method.js';
import { AuthMethodsPage, readAuthMounts } from './auth-methods.js';
import { EntityPage, GroupPage, IdentityListPage } from './identity.js';
import { JsonRolePage } from './json-roles.js';
import { accessHref } from './links.js';
import { PoliciesPage } from './policies.js';
import { PolicyPage } from './policy.js';
import { TokensPage } from './tokens.js';
import { UserpassUserPage } from './userpass.js';
import './access.css';

/**
 * `#/access/...`: policies[/<name>], auth[/<mount>[/role|user/<name>]], tokens,
 * identity[/entities|groups[/<id>]]. An auth mount path is one segment, its "/" encoded
 * (links.ts), so "team/approle" works. Each page is keyed by what it shows, so no state (typed
 * text, an error, a one-time secret ID) carries over from one policy, mount or role to the next.
 */
export function AccessRoute({ segments }: { segments: string[] }) {
  const [section, ...rest] = segments;
  switch (section) {
    case 'policies':
      return rest[0] === undefined ? <PoliciesPage /> : <PolicyPage key={rest[0]} name={rest[0]} />;
    case 'auth': {
      const [mount, kind, name] = rest;
      if (mount === undefined) return <AuthMethodsPage />;
      if (kind === undefined || name === undefined) return <AuthMethodPage key={mount} mount={mount} />;
      return kind === 'user' ? <UserpassUserPage key={`${mount}/${name}`} mount={mount} name={name} /> : <AuthRolePage key={`${mount}/${name}`} mount={mount} name={name} />;
    }
    case 'tokens':
      return <TokensPage />;
    case 'identity': {
      const [kind, id] = rest;
      const which = kind === 'groups' ? 'groups' : 'entities';
      if (id === undefined) return <IdentityListPage key={which} kind={which} />;
      return which === 'groups' ? <GroupPage key={id} id={id} /> : <EntityPage key={id} id={id} />;
    }
    default:
      return (
        <Page title="Access">
          <ul>
            <li>
              <a href={accessHref('policies')}>Policies</a>
            </li>
            <li>
              <a href={accessHref('auth')}>Auth methods</a>
            </li>
            <li>
              <a href={accessHref('tokens')}>Tokens</a>
            </li>
            <li>
              <a href={accessHref('identity')}>Identity</a>
            </li>
          </ul>
        </Page>
      );
  }
}

/** A role of an auth mount: AppRole's page or the JSON one of JWT/OIDC and Kubernetes, by the mount's type. */
function AuthRolePage({ mount, name }: { mount: string; name: string }) {
  const type = useLoad(async () => (await readAuthMounts())[`${mount}/`]?.type ?? null, [mount]);
  if (type.data === 'approle') return <AppRoleRolePage mount={mount} name={name} />;
  if (type.data) return <JsonRolePage mount={mount} name={name} type={type.data} />;
  return (
    <Page title={`Role ${name}`}>
      {type.loading ? <Loading /> : null}
      <ErrorList error={type.error} />
      {type.data === null ? <p class="notice">No auth method is enabled at auth/{mount}/.</p> : null}
    </Page>
  );
}
