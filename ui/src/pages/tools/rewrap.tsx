import { useState } from 'preact/hooks';
import type { WrapInfo } from '../../api.js';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { WrapInfoView } from '../../components/wrap-info.js';
import { vault } from '../../session.js';
import { WrappingTokenField } from './token-field.js';

/** sys/wrapping/rewrap: the same data under a new token with a fresh TTL; the old token stops working. */
export function RewrapTool() {
  const [token, setToken] = useState('');
  const [rewrapped, setRewrapped] = useState<WrapInfo | null>(null);
  const action = useAction();
  const rewrap = action.submit(async () => {
    setRewrapped(null);
    const answer = await vault.write('sys/wrapping/rewrap', { token: token.trim() });
    if (!answer?.wrap_info) throw new Error('the server answered no wrapping token');
    setRewrapped(answer.wrap_info);
    setToken('');
  });
  return (
    <>
      <form onSubmit={rewrap} aria-label="Rewrap a token">
        <WrappingTokenField value={token} onValue={setToken} />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Rewrap
        </button>
      </form>
      {rewrapped ? <WrapInfoView info={rewrapped} /> : null}
    </>
  );
}
