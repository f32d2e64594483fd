import { useState } from 'preact/hooks';
import type { WrapInfo } from '../../api.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { WrapInfoView } from '../../components/wrap-info.js';
import { vault } from '../../session.js';

/**
 * "Wrap this secret": the data goes into a single-use wrapping token's cubbyhole (sys/wrapping/wrap),
 * a token to hand on in its place. The UI wraps what it already read; nothing is read twice.
 */
export function WrapSecret({ data }: { data: Record<string, unknown> }) {
  const [ttl, setTtl] = useState('30m');
  const [wrapped, setWrapped] = useState<WrapInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const wrap = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setWrapped(null);
    try {
      const answer = await vault.write('sys/wrapping/wrap', data, ttl.trim() || '30m');
      if (!answer?.wrap_info) throw new Error('the server answered no wrapping token');
      setWrapped(answer.wrap_info);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="wrap-heading">
      <h2 id="wrap-heading">Wrap this secret</h2>
      <p class="muted">Hands the secret on as a single-use wrapping token: whoever unwraps it first gets the data, once; then the token is gone.</p>
      <form class="row" onSubmit={(e) => void wrap(e)}>
        <Field label="Wrap TTL" value={ttl} onValue={setTtl} autocomplete="off" hint="How long the token stays valid (30m, 1h, or seconds)." />
        <button type="submit" disabled={busy}>
          Wrap
        </button>
      </form>
      <ErrorList error={error} />
      {wrapped ? <WrapInfoView info={wrapped} /> : null}
    </section>
  );
}
