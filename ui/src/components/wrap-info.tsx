import type { WrapInfo } from '../api.js';
import { formatDuration, formatTime } from './format.js';
import { SecretValue } from './secret-value.js';

/** When a wrapping token expires: its creation time plus its TTL (Vault sends no expiry of its own). */
export function wrapExpiry(creationTime: string, ttlSeconds: number): number | null {
  const created = new Date(creationTime).getTime();
  return Number.isNaN(created) ? null : created + ttlSeconds * 1000;
}

/**
 * A fresh wrapping token to hand on: the token masked (copy it without showing it), its accessor,
 * TTL, creation time and expiry. The token is single-use: whoever unwraps it first gets the secret.
 */
export function WrapInfoView({ info }: { info: WrapInfo }) {
  return (
    <section class="card wrap-info" aria-labelledby="wrap-info-heading" data-testid="wrap-info">
      <h2 id="wrap-info-heading">Wrapping token</h2>
      <p class="muted">Single-use: hand it on over a channel you trust; the first unwrap gets the data, any later one is refused.</p>
      <dl>
        <dt>Token</dt>
        <dd data-testid="wrap-token">
          <SecretValue value={info.token} label="wrapping token" />
        </dd>
        <dt>Accessor</dt>
        <dd>
          <code data-testid="wrap-accessor">{info.accessor}</code>
        </dd>
        <dt>TTL</dt>
        <dd>{formatDuration(info.ttl)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(info.creation_time)}</dd>
        <dt>Expires</dt>
        <dd data-testid="wrap-expiry">{formatTime(wrapExpiry(info.creation_time, info.ttl))}</dd>
        <dt>Creation path</dt>
        <dd>
          <code>{info.creation_path}</code>
        </dd>
        {info.wrapped_accessor ? (
          <>
            <dt>Wrapped accessor</dt>
            <dd>
              <code>{info.wrapped_accessor}</code>
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
