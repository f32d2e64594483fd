import { useState } from 'preact/hooks';
import { useAction } from '../components/action.js';
import { apiPath } from '../components/api-path.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorList } from '../components/errors.js';
import { Field } from '../components/field.js';
import { formatDuration, formatTime } from '../components/format.js';
import { useLoad } from '../components/load.js';
import { Loading, Page } from '../components/page.js';
import { href, navigate, useRoute } from '../route.js';
import { vault } from '../session.js';
import './operations.css';

/**
 * #/leases (the top prefix), #/leases/list/<prefix> (drilling down) and #/leases/show/<lease id>.
 * Lease ids are names, not secrets (Vault's UI puts them in its URLs too): alone they give nothing.
 */
export function LeasesPage() {
  const { segments } = useRoute();
  const [view, ...rest] = segments.slice(1);
  if (view === 'show' && rest.length > 0) return <LeaseDetail key={rest.join('/')} id={rest.join('/')} />;
  const prefix = view === 'list' && rest.length > 0 ? `${rest.join('/')}/` : '';
  // keyed: the prefix field and the answers start afresh at each prefix
  return <LeaseList key={prefix} prefix={prefix} />;
}

/** The prefix a lease id or folder sits in: "pki/issue/web/abc" → "pki/issue/web/". */
const parentOf = (path: string) => path.replace(/[^/]*\/?$/, '');

function prefixLink(prefix: string): string {
  return prefix ? href('leases', 'list', prefix) : href('leases');
}

function Breadcrumbs({ path }: { path: string }) {
  const parts = path.split('/').filter(Boolean);
  return (
    <nav aria-label="Lease prefix">
      <ol class="breadcrumbs">
        <li>
          <a href={href('leases')}>leases</a>
        </li>
        {parts.map((part, i) => (
          <li>
            <a href={prefixLink(`${parts.slice(0, i + 1).join('/')}/`)}>{part}</a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** sys/leases/lookup/<prefix> (LIST, sudo): the folders and lease ids under a prefix. */
function LeaseList({ prefix }: { prefix: string }) {
  const keys = useLoad(() => vault.list(`sys/leases/lookup/${apiPath(prefix)}`), [prefix]);
  const [wanted, setWanted] = useState(prefix);
  const go = (e: Event) => {
    e.preventDefault();
    const p = wanted.trim().replace(/^\/+/, '');
    navigate(prefixLink(p && !p.endsWith('/') ? `${p}/` : p));
  };
  return (
    <Page title="Leases">
      <form onSubmit={go} aria-label="Look up leases by prefix" class="row">
        <Field label="Prefix" value={wanted} onValue={setWanted} placeholder="pki/issue/web/" hint="A mount path and the path in it the leases were issued for." autocomplete="off" />
        <button type="submit">Look up</button>
      </form>
      <Breadcrumbs path={prefix} />
      {keys.loading && !keys.data ? <Loading /> : null}
      <ErrorList error={keys.error} />
      {keys.data ? (
        keys.data.length === 0 ? (
          <p class="muted">No leases under {prefix ? <code>{prefix}</code> : 'this namespace'}.</p>
        ) : (
          <table class="lease-list" data-testid="lease-list">
            <caption class="visually-hidden">Leases under {prefix || 'the top'}</caption>
            <thead>
              <tr>
                <th scope="col">{prefix ? `Under ${prefix}` : 'Prefix'}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr>
                  <td>{key.endsWith('/') ? <a href={prefixLink(`${prefix}${key}`)}>{key}</a> : <a href={href('leases', 'show', `${prefix}${key}`)}>{key}</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {prefix ? <PrefixRevocation prefix={prefix} onDone={() => navigate(prefixLink(parentOf(prefix)))} /> : null}
    </Page>
  );
}

/** revoke-prefix (the backends revoke each secret) and revoke-force (removed even when they cannot). */
function PrefixRevocation({ prefix, onDone }: { prefix: string; onDone: () => void }) {
  return (
    <section class="card" aria-labelledby="prefix-revoke-heading">
      <h2 id="prefix-revoke-heading">Revoke every lease under this prefix</h2>
      <div class="row">
        <ConfirmButton
          label="Revoke prefix"
          question={`Revoke every lease under ${prefix}? Each secret is revoked at its backend and cannot be used again.`}
          confirmLabel={`Revoke all under ${prefix}`}
          onConfirm={async () => {
            await vault.write(`sys/leases/revoke-prefix/${apiPath(prefix)}`, {});
            onDone();
          }}
        />
        <ConfirmButton
          label="Force revoke prefix"
          question={`Force-revoke every lease under ${prefix}? The leases are removed even when their backend fails to revoke the secrets, which may then live on. Use this only when a backend is gone for good.`}
          confirmLabel={`Force revoke all under ${prefix}`}
          onConfirm={async () => {
            await vault.write(`sys/leases/revoke-force/${apiPath(prefix)}`, {});
            onDone();
          }}
        />
      </div>
    </section>
  );
}

interface Lease {
  id: string;
  issue_time: string;
  expire_time: string | null;
  last_renewal: string | null;
  renewable: boolean;
  ttl: number;
  irrevocable?: boolean;
  revocation_error?: string;
}

/** sys/leases/lookup with lease_id: one lease's times, renewed with an increment or revoked. */
function LeaseDetail({ id }: { id: string }) {
  const lease = useLoad(async () => (await vault.write<Lease>('sys/leases/lookup', { lease_id: id }))?.data, [id]);
  const [increment, setIncrement] = useState('');
  const [renewed, setRenewed] = useState<string | null>(null);
  const renewal = useAction();
  const renew = renewal.submit(async () => {
    setRenewed(null);
    const answer = await vault.write('sys/leases/renew', { lease_id: id, ...(increment.trim() ? { increment: increment.trim() } : {}) });
    setRenewed(`Renewed: the lease now lasts ${formatDuration(answer?.lease_duration ?? 0)}.${answer?.warnings?.length ? ` ${answer.warnings.join(' ')}` : ''}`);
    lease.reload();
  });
  const data = lease.data;
  return (
    <Page title="Lease">
      <Breadcrumbs path={parentOf(id)} />
      <p>
        <code data-testid="lease-id">{id}</code>
      </p>
      {lease.loading && !data ? <Loading /> : null}
      <ErrorList error={lease.error} />
      {data ? (
        <>
          <section class="card" aria-labelledby="lease-heading">
            <h2 id="lease-heading">Details</h2>
            <dl data-testid="lease-details">
              <dt>Issued</dt>
              <dd>{formatTime(data.issue_time)}</dd>
              <dt>Expires</dt>
              <dd data-testid="lease-expire">{formatTime(data.expire_time)}</dd>
              <dt>TTL</dt>
              <dd>{formatDuration(data.ttl)}</dd>
              <dt>Last renewed</dt>
              <dd>{formatTime(data.last_renewal)}</dd>
              <dt>Renewable</dt>
              <dd>{data.renewable ? 'yes' : 'no'}</dd>
              {data.irrevocable ? (
                <>
                  <dt>Irrevocable</dt>
                  <dd>{data.revocation_error || 'yes'}</dd>
                </>
              ) : null}
            </dl>
          </section>
          <section class="card" aria-labelledby="renew-heading">
            <h2 id="renew-heading">Renew</h2>
            <form onSubmit={renew} aria-label="Renew the lease">
              <Field label="Increment" value={increment} onValue={setIncrement} placeholder="1h" hint="The TTL asked for, from now: a duration or seconds. Empty: the secret's default." autocomplete="off" />
              <ErrorList error={renewal.error} />
              {renewed ? (
                <p class="success" role="status">
                  {renewed}
                </p>
              ) : null}
              <div class="row">
                <button type="submit" class="primary" disabled={renewal.busy || !data.renewable}>
                  Renew
                </button>
                <ConfirmButton
                  label="Revoke"
                  question={`Revoke the lease ${id}? Its secret is revoked at its backend and cannot be used again.`}
                  confirmLabel="Revoke lease"
                  onConfirm={async () => {
                    await vault.write('sys/leases/revoke', { lease_id: id });
                    navigate(prefixLink(parentOf(id)));
                  }}
                />
              </div>
            </form>
          </section>
        </>
      ) : null}
    </Page>
  );
}
