import type { AuthInfo } from '../api.js';
import { formatDuration } from './format.js';
import { SecretValue } from './secret-value.js';

/** A value as text: strings as they are, anything else as JSON. */
const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

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
        <table>
          <caption class="visually-hidden">The unwrapped data, values masked</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(data).map(([key, value]) => (
              <tr>
                <td>
                  <code>{key}</code>
                </td>
                <td>
                  <SecretValue value={asText(value)} label={`value of ${key}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!auth && (!data || Object.keys(data).length === 0) ? <p class="muted">The wrapped response held no data.</p> : null}
    </section>
  );
}
