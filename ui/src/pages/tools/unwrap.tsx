import { useState } from 'preact/hooks';
import type { AuthInfo } from '../../api.js';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { WrappedData } from '../../components/wrapped-data.js';
import { vault } from '../../session.js';
import { WrappingTokenField } from './token-field.js';

/**
 * sys/wrapping/unwrap with the token in the body (the signed-in token authenticates the call). A
 * used or expired token is refused with the server's own message.
 */
export function UnwrapTool() {
  const [token, setToken] = useState('');
  const [result, setResult] = useState<{ data: Record<string, unknown> | null; auth: AuthInfo | null } | null>(null);
  const action = useAction();
  const unwrap = action.submit(async () => {
    setResult(null);
    const answer = await vault.write<Record<string, unknown> | null>('sys/wrapping/unwrap', { token: token.trim() });
    setResult({ data: answer?.data ?? null, auth: answer?.auth ?? null });
    setToken('');
  });
  return (
    <>
      <form onSubmit={unwrap} aria-label="Unwrap a token">
        <WrappingTokenField value={token} onValue={setToken} />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Unwrap
        </button>
      </form>
      {result ? <WrappedData data={result.data} auth={result.auth} /> : null}
    </>
  );
}
