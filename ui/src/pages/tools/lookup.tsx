import { useState } from 'preact/hooks';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { formatDuration, formatTime } from '../../components/format.js';
import { wrapExpiry } from '../../components/wrap-info.js';
import { vault } from '../../session.js';
import { WrappingTokenField } from './token-field.js';

interface Lookup {
  creation_path: string;
  creation_time: string;
  creation_ttl: number;
}

/** sys/wrapping/lookup: what a wrapping token holds the answer of, and until when; it does not use the token up. */
export function LookupTool() {
  const [token, setToken] = useState('');
  const [found, setFound] = useState<Lookup | null>(null);
  const action = useAction();
  const lookup = action.submit(async () => {
    setFound(null);
    const answer = await vault.write<Lookup>('sys/wrapping/lookup', { token: token.trim() });
    setFound(answer?.data ?? null);
  });
  return (
    <>
      <form onSubmit={lookup} aria-label="Look up a token">
        <WrappingTokenField value={token} onValue={setToken} />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Look up
        </button>
      </form>
      {found ? (
        <section class="card" aria-labelledby="lookup-heading" data-testid="lookup">
          <h2 id="lookup-heading">Wrapping token</h2>
          <dl>
            <dt>Creation path</dt>
            <dd>
              <code>{found.creation_path}</code>
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(found.creation_time)}</dd>
            <dt>TTL</dt>
            <dd data-testid="lookup-ttl">{formatDuration(found.creation_ttl)}</dd>
            <dt>Expires</dt>
            <dd>{formatTime(wrapExpiry(found.creation_time, found.creation_ttl))}</dd>
          </dl>
        </section>
      ) : null}
    </>
  );
}
