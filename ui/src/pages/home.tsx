import { readHealth } from '../api.js';
import { ErrorList } from '../components/errors.js';
import { formatTime } from '../components/format.js';
import { useLoad } from '../components/load.js';
import { Loading, Page } from '../components/page.js';
import { WrappingChart, wrappingCounts } from '../components/wrapping-chart.js';
import { currentSession, vault } from '../session.js';

/** Paths whose capabilities the home page shows: what this token may do, in a glance. */
const CAPABILITY_PATHS = ['sys/mounts', 'sys/auth', 'sys/policies/acl', 'sys/leases/lookup', 'sys/audit', 'sys/quotas/rate-limit', 'sys/wrapping/wrap', 'sys/metrics', 'identity/entity/id'];

export function HomePage() {
  const status = useLoad(async () => {
    const [health, seal, leader] = await Promise.all([readHealth(), vault.read('sys/seal-status'), vault.read('sys/leader').catch(() => null)]);
    return { health, seal: (seal ?? {}) as unknown as Record<string, unknown>, leader: leader as unknown as Record<string, unknown> | null };
  }, []);
  const capabilities = useLoad(async () => {
    const answer = await vault.write<Record<string, string[]>>('sys/capabilities-self', { paths: CAPABILITY_PATHS });
    return answer?.data ?? {};
  }, []);
  const metrics = useLoad(async () => wrappingCounts(await vault.read('sys/metrics?format=json')), []);
  const session = currentSession();

  return (
    <Page title="Home">
      <div class="cards">
        <section class="card" aria-labelledby="status-heading">
          <h2 id="status-heading">Server</h2>
          {status.loading && !status.data ? <Loading /> : null}
          <ErrorList error={status.error} />
          {status.data ? <ServerStatus {...status.data} /> : null}
        </section>
        <section class="card" aria-labelledby="token-heading">
          <h2 id="token-heading">Your token</h2>
          <dl>
            <dt>Display name</dt>
            <dd>{session?.displayName || '—'}</dd>
            <dt>Policies</dt>
            <dd>{session?.policies.join(', ') || '—'}</dd>
            <dt>Expires</dt>
            <dd data-testid="token-expiry">{session?.expiresAt ? formatTime(session.expiresAt) : 'never'}</dd>
          </dl>
        </section>
      </div>
      <section class="card" aria-labelledby="caps-heading">
        <h2 id="caps-heading">What this token may do</h2>
        <ErrorList error={capabilities.error} />
        {capabilities.data ? (
          <table>
            <caption class="visually-hidden">Capabilities of this token on common paths</caption>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Capabilities</th>
              </tr>
            </thead>
            <tbody>
              {CAPABILITY_PATHS.map((path) => (
                <tr>
                  <td>
                    <code>{path}</code>
                  </td>
                  <td>{(capabilities.data?.[path] ?? []).join(', ') || 'deny'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section class="card" aria-labelledby="wrapping-heading">
        <h2 id="wrapping-heading">Response wrapping</h2>
        {metrics.error ? <p class="muted">The wrapping counters need read on sys/metrics.</p> : null}
        {metrics.data ? <WrappingChart counts={metrics.data} /> : null}
      </section>
    </Page>
  );
}

function ServerStatus({ health, seal, leader }: { health: Record<string, unknown>; seal: Record<string, unknown>; leader: Record<string, unknown> | null }) {
  const role = health.sealed ? 'sealed' : health.standby ? 'standby' : 'active';
  return (
    <dl data-testid="server-status">
      <dt>Seal</dt>
      <dd>{health.sealed ? 'sealed' : 'unsealed'} ({String(seal.type ?? '—')})</dd>
      <dt>Initialized</dt>
      <dd>{health.initialized ? 'yes' : 'no'}</dd>
      <dt>HA role</dt>
      <dd>{leader?.ha_enabled ? role : `${role} (HA off)`}</dd>
      <dt>Leader</dt>
      <dd>{String(leader?.leader_address || '—')}</dd>
      <dt>Version</dt>
      <dd>{String(health.version ?? '—')}</dd>
      <dt>Storage</dt>
      <dd>{String(seal.storage_type ?? '—')}</dd>
      <dt>Cluster</dt>
      <dd>{String(health.cluster_name ?? '—')}</dd>
    </dl>
  );
}
