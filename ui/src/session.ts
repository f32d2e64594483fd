// The signed-in session: the token lives in sessionStorage only (gone when the tab closes), is
// renewed while the tab is open (as Vault's UI does), and is dropped on sign-out, on expiry and
// when lookup-self answers 403.
import { ApiError, apiRequest, type Method, type VaultResponse } from './api.js';

export interface Session {
  token: string;
  namespace: string;
  accessor: string;
  displayName: string;
  policies: string[];
  renewable: boolean;
  /** When the token expires, ms since the epoch; null when it never does (a root token). */
  expiresAt: number | null;
}

const STORAGE_KEY = 'coffer.session';
/** How often an open tab checks the token is still good. */
const CHECK_EVERY_MS = 60_000;

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let current: Session | null = load();
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let checkTimer: ReturnType<typeof setInterval> | undefined;
/** Why the last session ended, shown on the sign-in page. */
let endReason: string | null = null;

function load(): Session | null {
  try {
    const text = sessionStorage.getItem(STORAGE_KEY);
    return text ? (JSON.parse(text) as Session) : null;
  } catch {
    return null;
  }
}

function publish(next: Session | null) {
  current = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  schedule();
  for (const listener of listeners) listener(next);
}

export function currentSession(): Session | null {
  return current;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function lastEndReason(): string | null {
  return endReason;
}

/** Ends the session: the token leaves storage (it is not revoked; Vault's UI does not either). */
export function signOut(reason: string | null = null) {
  endReason = reason;
  publish(null);
}

/** Starts a session from a token, reading what it is with lookup-self (also checks it works). */
export async function signInWithToken(token: string, namespace: string): Promise<Session> {
  const looked = await apiRequest<TokenLookup>('auth/token/lookup-self', { token, namespace });
  const data = looked!.data;
  const session: Session = {
    token,
    namespace,
    accessor: data.accessor,
    displayName: data.display_name,
    policies: data.policies ?? [],
    renewable: data.renewable,
    expiresAt: data.ttl > 0 ? Date.now() + data.ttl * 1000 : null,
  };
  endReason = null;
  publish(session);
  return session;
}

interface TokenLookup {
  accessor: string;
  display_name: string;
  policies: string[] | null;
  renewable: boolean;
  ttl: number;
}

function schedule() {
  clearTimeout(renewTimer);
  clearInterval(checkTimer);
  if (!current) return;
  checkTimer = setInterval(() => void checkStillValid(), CHECK_EVERY_MS);
  if (current.expiresAt === null) return;
  const left = current.expiresAt - Date.now();
  if (left <= 0) return signOut('Your token expired. Sign in again.');
  // Renew at half of what is left (at least a second away); a token that cannot be renewed ends at expiry.
  const wait = current.renewable ? Math.max(1000, left / 2) : left;
  renewTimer = setTimeout(() => void (current?.renewable ? renew() : signOut('Your token expired. Sign in again.')), wait);
}

async function renew() {
  const session = current;
  if (!session) return;
  try {
    const answer = await apiRequest('auth/token/renew-self', { method: 'POST', body: {}, token: session.token, namespace: session.namespace });
    const ttl = answer?.auth?.lease_duration ?? 0;
    // A token at its max TTL renews no further: it then ends when it expires.
    publish({ ...session, expiresAt: ttl > 0 ? Date.now() + ttl * 1000 : session.expiresAt, renewable: (answer?.auth?.renewable ?? false) && ttl > 0 });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return signOut('Your token is no longer valid. Sign in again.');
    // Unreachable server: try again later, and end at expiry if it stays so.
    publish({ ...session, renewable: false });
  }
}

/** When lookup-self last ran: a page with many refused requests asks once, not once per refusal. */
let lastCheck = 0;

async function checkStillValid() {
  const session = current;
  if (!session || Date.now() - lastCheck < 2000) return;
  lastCheck = Date.now();
  try {
    await apiRequest('auth/token/lookup-self', { token: session.token, namespace: session.namespace });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) signOut('Your token is no longer valid. Sign in again.');
  }
}

/** The namespace the UI works in: the session's. */
export function namespaceOf(): string {
  return current?.namespace ?? '';
}

/** A request with the session's token and namespace. A 403 from lookup-self ends the session. */
export async function call<T = Record<string, unknown>>(method: Method, path: string, body?: unknown, wrapTtl?: string): Promise<VaultResponse<T> | null> {
  const session = current;
  try {
    return await apiRequest<T>(path, { method, body, token: session?.token ?? null, namespace: session?.namespace ?? '', ...(wrapTtl ? { wrapTtl } : {}) });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403 && session) void checkStillValid();
    throw err;
  }
}

/** Shorthands over `call`, named as the CLI's verbs. */
export const vault = {
  read: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
  list: async (path: string): Promise<string[]> => {
    try {
      const answer = await call<{ keys?: string[] }>('LIST', path);
      return answer?.data?.keys ?? [];
    } catch (err) {
      // Vault answers 404 for an empty list.
      if (err instanceof ApiError && err.status === 404 && err.errors.length === 0) return [];
      throw err;
    }
  },
  write: <T = Record<string, unknown>>(path: string, body: unknown = {}, wrapTtl?: string) => call<T>('POST', path, body, wrapTtl),
  patch: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PATCH', path, body),
  remove: (path: string) => call('DELETE', path),
};
