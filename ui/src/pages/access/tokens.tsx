import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Check, Field } from '../../components/field.js';
import { formatDuration, formatTime } from '../../components/format.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { SecretValue } from '../../components/secret-value.js';
import { vault } from '../../session.js';
import { splitList } from './links.js';

/** auth/token/lookup* data (src/core/backends/token/describe.ts). Its `id` is never shown: it is the token. */
interface TokenLookup {
  accessor: string;
  display_name: string;
  policies: string[] | null;
  ttl: number;
  creation_ttl: number;
  expire_time: string | null;
  issue_time: string;
  path: string;
  meta: Record<string, string> | null;
  renewable: boolean;
  orphan: boolean;
  num_uses: number;
  entity_id: string;
  type: string;
  explicit_max_ttl: number;
}

/**
 * Tokens, worked with by accessor (which cannot be used as a token) so that no token is ever typed
 * into a form here or put into a URL: lookup-self, lookup and revoke by accessor, and create.
 */
export function TokensPage() {
  const self = useLoad(async () => (await vault.read<TokenLookup>('auth/token/lookup-self'))!.data, []);
  return (
    <Page title="Tokens">
      <section class="card" aria-labelledby="self-heading">
        <h2 id="self-heading">Your token</h2>
        {self.loading && !self.data ? <Loading /> : null}
        <ErrorList error={self.error} />
        {self.data ? <TokenDetails token={self.data} testId="token-self" /> : null}
      </section>
      <LookupByAccessor />
      <CreateToken />
    </Page>
  );
}

function TokenDetails({ token, testId }: { token: TokenLookup; testId: string }) {
  return (
    <dl data-testid={testId}>
      <dt>Display name</dt>
      <dd>{token.display_name || '—'}</dd>
      <dt>Accessor</dt>
      <dd>
        <code>{token.accessor}</code>
      </dd>
      <dt>Policies</dt>
      <dd>{token.policies?.join(', ') || '—'}</dd>
      <dt>TTL left</dt>
      <dd>{token.expire_time ? formatDuration(token.ttl) : 'never expires'}</dd>
      <dt>Expires</dt>
      <dd>{token.expire_time ? formatTime(token.expire_time) : 'never'}</dd>
      <dt>Issued</dt>
      <dd>{formatTime(token.issue_time)}</dd>
      <dt>Creation path</dt>
      <dd>
        <code>{token.path || '—'}</code>
      </dd>
      <dt>Renewable</dt>
      <dd>{token.renewable ? 'yes' : 'no'}</dd>
      <dt>Orphan</dt>
      <dd>{token.orphan ? 'yes' : 'no'}</dd>
      <dt>Uses left</dt>
      <dd>{token.num_uses || 'unlimited'}</dd>
      <dt>Entity</dt>
      <dd>{token.entity_id || '—'}</dd>
      <dt>Metadata</dt>
      <dd>{token.meta && Object.keys(token.meta).length ? Object.entries(token.meta).map(([k, v]) => `${k}=${v}`).join(', ') : '—'}</dd>
    </dl>
  );
}

function LookupByAccessor() {
  const [accessor, setAccessor] = useState('');
  const [found, setFound] = useState<TokenLookup | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lookup = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFound(null);
    setRevoked(null);
    try {
      setFound((await vault.write<TokenLookup>('auth/token/lookup-accessor', { accessor: accessor.trim() }))!.data);
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async () => {
    if (!found) return;
    await vault.write('auth/token/revoke-accessor', { accessor: found.accessor });
    setRevoked(found.accessor);
    setFound(null);
  };
  return (
    <section class="card" aria-labelledby="lookup-heading">
      <h2 id="lookup-heading">Look up a token by accessor</h2>
      <form onSubmit={(e) => void lookup(e)} class="inline-form">
        <Field label="Accessor" value={accessor} onValue={setAccessor} autocomplete="off" required />
        <button type="submit" class="primary">
          Look up
        </button>
      </form>
      <ErrorList error={error} />
      {revoked ? (
        <p class="success" role="status">
          The token with accessor <code>{revoked}</code> and its children are revoked.
        </p>
      ) : null}
      {found ? (
        <>
          <TokenDetails token={found} testId="token-found" />
          <div class="row">
            <ConfirmButton label="Revoke token" question="Revoke this token? Its child tokens and leases are revoked with it." confirmLabel="Revoke" onConfirm={revoke} />
          </div>
        </>
      ) : null}
    </section>
  );
}

function CreateToken() {
  const [policies, setPolicies] = useState('');
  const [ttl, setTtl] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [renewable, setRenewable] = useState(true);
  const [orphan, setOrphan] = useState(false);
  const [made, setMade] = useState<{ token: string; accessor: string; policies: string[]; ttl: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMade(null);
    try {
      const answer = await vault.write(orphan ? 'auth/token/create-orphan' : 'auth/token/create', {
        policies: splitList(policies),
        renewable,
        ...(ttl.trim() ? { ttl: ttl.trim() } : {}),
        ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
      });
      const auth = answer?.auth;
      if (!auth) throw new Error('the server answered no token');
      setMade({ token: auth.client_token, accessor: auth.accessor, policies: auth.policies ?? [], ttl: auth.lease_duration });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">Create a token</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div class="form-grid">
          <Field label="Policies" value={policies} onValue={setPolicies} hint="Comma-separated; empty: the same as yours." autocomplete="off" />
          <Field label="TTL" value={ttl} onValue={setTtl} placeholder="mount default" hint="A duration: 30m, 8h." autocomplete="off" />
          <Field label="Display name" value={displayName} onValue={setDisplayName} autocomplete="off" />
        </div>
        <Check label="Renewable" checked={renewable} onChecked={setRenewable} />
        <Check label="Orphan (no parent: outlives your token)" checked={orphan} onChecked={setOrphan} />
        <ErrorList error={error} />
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      {made ? (
        <div class="one-time" role="status">
          <strong>New token.</strong> It is shown only now: copy it and hand it on.
          <dl>
            <dt>Token</dt>
            <dd data-testid="new-token">
              <SecretValue value={made.token} label="new token" />
            </dd>
            <dt>Accessor</dt>
            <dd>
              <code data-testid="new-token-accessor">{made.accessor}</code>
            </dd>
            <dt>Policies</dt>
            <dd>{made.policies.join(', ') || '—'}</dd>
            <dt>TTL</dt>
            <dd>{formatDuration(made.ttl)}</dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}
