import type { AuthInfo } from '../api.js';
import { formatDuration } from './format.js';
import { SecretDataTable } from './secret-data-table.js';
import { SecretValue } from './secret-value.js';

/** What an unwrap gave back: each data value masked until revealed, or the login's auth block. */
export function WrappedData({ data, auth }: { data: Record<string, unknown> | null; auth: AuthInfo | null }) {
  return (
    <section class="card" aria-labelledby="unwrapped-heading" data-testid="unwrapped">
      <h2 id="unwrapped-heading">Unwrapped</h2>
      {auth ? (
        <dl>
          <dt>Client token</dt>
          <dd>
            <SecretValue value={auth.client_token} label="client token" />
          </dd>
          <dt>Accessor</dt>
          <dd>
            <code>{auth.accessor}</code>
          </dd>
          <dt>Policies</dt>
          <dd>{(auth.policies ?? []).join(', ') || '—'}</dd>
          <dt>Lease duration</dt>
          <dd>{formatDuration(auth.lease_duration)}</dd>
          <dt>Renewable</dt>
          <dd>{auth.renewable ? 'yes' : 'no'}</dd>
        </dl>
      ) : null}
      {data && Object.keys(data).length > 0 ? (
        <SecretDataTable data={data} caption="The unwrapped data, values masked" labelOf={(key) => `value of ${key}`} />
      ) : null}
      {!auth && (!data || Object.keys(data).length === 0) ? <p class="muted">The wrapped response held no data.</p> : null}
    </section>
  );
}
