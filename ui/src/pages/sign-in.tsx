import { useState } from 'preact/hooks';
import { ApiError, apiRequest } from '../api.js';
import { ErrorList } from '../components/errors.js';
import { Field, Select } from '../components/field.js';
import { lastEndReason, signInWithToken } from '../session.js';

type Method = 'token' | 'userpass' | 'approle';
const METHODS: readonly [Method, string][] = [
  ['token', 'Token'],
  ['userpass', 'Username and password'],
  ['approle', 'AppRole'],
];
/** The userpass mount's refusal when the user has TOTP on and no code was sent (auth/userpass/paths/login.ts). */
const TOTP_REQUIRED = /TOTP code required/;

export function SignInPage() {
  const [method, setMethod] = useState<Method>('token');
  const [namespace, setNamespace] = useState('');
  const [mount, setMount] = useState('');
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [roleId, setRoleId] = useState('');
  const [secretId, setSecretId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ended = lastEndReason();

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const ns = namespace.trim().replace(/^\/+|\/+$/g, '');
    try {
      if (method === 'token') {
        await signInWithToken(token.trim(), ns);
        return;
      }
      const path = (mount.trim() || method).replace(/^\/+|\/+$/g, '');
      const body =
        method === 'userpass'
          ? { password, ...(needTotp ? { totp } : {}) }
          : { role_id: roleId.trim(), ...(secretId ? { secret_id: secretId.trim() } : {}) };
      const loginPath = method === 'userpass' ? `auth/${path}/login/${encodeURIComponent(username.trim())}` : `auth/${path}/login`;
      const answer = await apiRequest(loginPath, { method: 'POST', body, namespace: ns });
      if (!answer?.auth) throw new Error('the login answered no token');
      await signInWithToken(answer.auth.client_token, ns);
    } catch (err) {
      if (method === 'userpass' && err instanceof ApiError && err.errors.some((line) => TOTP_REQUIRED.test(line)) && !needTotp) {
        setNeedTotp(true);
        setError(null);
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <h1 id="page-title" tabIndex={-1}>
        Sign in to Coffer
      </h1>
      {ended ? (
        <p class="notice" role="status">
          {ended}
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'sign-in-error' : undefined}>
        <Select label="Method" value={method} onValue={(v) => (setMethod(v as Method), setNeedTotp(false), setError(null))} options={METHODS} />
        <Field label="Namespace" value={namespace} onValue={setNamespace} placeholder="root" hint="Leave empty for the root namespace." autocomplete="off" />
        {method === 'token' ? <Field label="Token" type="password" value={token} onValue={setToken} autocomplete="off" required /> : null}
        {method !== 'token' ? <Field label="Mount path" value={mount} onValue={setMount} placeholder={method} autocomplete="off" /> : null}
        {method === 'userpass' ? (
          <>
            <Field label="Username" value={username} onValue={setUsername} autocomplete="username" required />
            <Field label="Password" type="password" value={password} onValue={setPassword} autocomplete="current-password" required />
            {needTotp ? (
              <Field label="TOTP code" value={totp} onValue={setTotp} inputMode="numeric" autocomplete="one-time-code" hint="This user has a second factor: enter the current code from the authenticator app." required autoFocus />
            ) : null}
          </>
        ) : null}
        {method === 'approle' ? (
          <>
            <Field label="Role ID" value={roleId} onValue={setRoleId} autocomplete="off" required />
            <Field label="Secret ID" type="password" value={secretId} onValue={setSecretId} autocomplete="off" />
          </>
        ) : null}
        <div id="sign-in-error">
          <ErrorList error={error} />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
