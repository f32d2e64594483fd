import { useState } from 'preact/hooks';
import { useAction } from '../components/action.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorList } from '../components/errors.js';
import { Check, Field, TextArea } from '../components/field.js';
import { formatDuration } from '../components/format.js';
import { useLoad } from '../components/load.js';
import { Loading, Page } from '../components/page.js';
import { vault } from '../session.js';
import './operations.css';

interface RateLimit {
  name: string;
  path: string;
  role: string;
  rate: number;
  interval: number;
  block_interval: number;
  inheritable: boolean;
}

interface QuotaConfig {
  enable_rate_limit_audit_logging: boolean;
  enable_rate_limit_response_headers: boolean;
  rate_limit_exempt_paths: string[] | null;
  absolute_rate_limit_exempt_paths: string[] | null;
}

/** sys/quotas/rate-limit/<name> (list, read, write, delete) and sys/quotas/config. */
export function QuotasPage() {
  const quotas = useLoad(async () => {
    const names = await vault.list('sys/quotas/rate-limit');
    return Promise.all(names.map(async (name) => (await vault.read<RateLimit>(`sys/quotas/rate-limit/${encodeURIComponent(name)}`))!.data));
  }, []);
  const [editing, setEditing] = useState<RateLimit | null>(null);
  // Bumped after each save, so the form starts empty again.
  const [saves, setSaves] = useState(0);
  return (
    <Page title="Quotas">
      <section class="card" aria-labelledby="rate-limits-heading">
        <h2 id="rate-limits-heading">Rate-limit quotas</h2>
        {quotas.loading && !quotas.data ? <Loading /> : null}
        <ErrorList error={quotas.error} />
        {quotas.data && quotas.data.length === 0 ? <p class="muted">No rate-limit quota.</p> : null}
        {quotas.data && quotas.data.length > 0 ? (
          <table data-testid="quota-list">
            <caption class="visually-hidden">Rate-limit quotas</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Path</th>
                <th scope="col">Role</th>
                <th scope="col">Rate</th>
                <th scope="col">Interval</th>
                <th scope="col">Block</th>
                <th scope="col">Inheritable</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {quotas.data.map((q) => (
                <tr>
                  <td>{q.name}</td>
                  <td>
                    <code>{q.path || '(global)'}</code>
                  </td>
                  <td>{q.role || '—'}</td>
                  <td>{q.rate}</td>
                  <td>{formatDuration(q.interval)}</td>
                  <td>{q.block_interval ? formatDuration(q.block_interval) : '—'}</td>
                  <td>{q.inheritable ? 'yes' : 'no'}</td>
                  <td class="actions-cell">
                    <button type="button" class="small" aria-label={`Edit ${q.name}`} onClick={() => setEditing(q)}>
                      Edit
                    </button>
                    <ConfirmButton
                      label={`Delete ${q.name}`}
                      question={`Delete the rate-limit quota ${q.name}? Requests on ${q.path || 'every path'} are no longer limited by it.`}
                      confirmLabel="Delete"
                      onConfirm={async () => {
                        await vault.remove(`sys/quotas/rate-limit/${encodeURIComponent(q.name)}`);
                        if (editing?.name === q.name) setEditing(null);
                        quotas.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <QuotaForm
        key={`${editing?.name ?? '(new)'}#${saves}`}
        quota={editing}
        onSaved={() => (setEditing(null), setSaves((n) => n + 1), quotas.reload())}
        onCancel={() => setEditing(null)}
      />
      <QuotaConfigForm />
    </Page>
  );
}

/** Create a quota, or edit one (its name then fixed: the name is the path). */
function QuotaForm({ quota, onSaved, onCancel }: { quota: RateLimit | null; onSaved: () => void; onCancel: () => void }) {
  const [name, setName] = useState(quota?.name ?? '');
  const [path, setPath] = useState(quota?.path ?? '');
  const [role, setRole] = useState(quota?.role ?? '');
  const [rate, setRate] = useState(quota ? String(quota.rate) : '');
  const [interval, setIntervalText] = useState(quota ? `${quota.interval}s` : '1s');
  const [block, setBlock] = useState(quota?.block_interval ? `${quota.block_interval}s` : '');
  const [inheritable, setInheritable] = useState(quota?.inheritable ?? false);
  // Left out of a new quota unless ticked or unticked, so the server's default applies (a global
  // quota is inheritable, one on a path is not).
  const [inheritableTouched, setInheritableTouched] = useState(!!quota);
  const shownInheritable = inheritableTouched ? inheritable : path.trim() === '';
  const action = useAction();
  const save = action.submit(async () => {
    const body = { path: path.trim(), role: role.trim(), rate: rate.trim(), interval: interval.trim() || '1s', block_interval: block.trim() || '0', ...(inheritableTouched ? { inheritable } : {}) };
    await vault.write(`sys/quotas/rate-limit/${encodeURIComponent(name.trim())}`, body);
    onSaved();
  });
  const title = quota ? `Edit ${quota.name}` : 'New rate-limit quota';
  return (
    <section class="card" aria-labelledby="quota-form-heading">
      <h2 id="quota-form-heading">{title}</h2>
      <form onSubmit={save} aria-label={title}>
        <div class="form-grid">
          <Field label="Name" value={name} onValue={setName} readOnly={!!quota} autocomplete="off" required />
          <Field label="Quota path" value={path} onValue={setPath} placeholder="secret/" hint="A namespace, a mount, a path in a mount (a trailing * for a prefix), or empty for every path." autocomplete="off" />
          <Field label="Role" value={role} onValue={setRole} hint="A login role of an auth mount given as the path (approle, jwt, kubernetes)." autocomplete="off" />
          <Field label="Rate" value={rate} onValue={setRate} inputMode="decimal" hint="Requests allowed per interval, per client address." autocomplete="off" required />
          <Field label="Interval" value={interval} onValue={setIntervalText} hint="A duration or seconds; 1s by default." autocomplete="off" />
          <Field label="Block interval" value={block} onValue={setBlock} hint="How long a client over the rate is refused everything; none when empty." autocomplete="off" />
        </div>
        <Check label="Inheritable by child namespaces" checked={shownInheritable} onChecked={(v) => (setInheritable(v), setInheritableTouched(true))} />
        <ErrorList error={action.error} />
        <div class="row">
          <button type="submit" class="primary" disabled={action.busy}>
            {quota ? 'Save quota' : 'Create quota'}
          </button>
          {quota ? (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** sys/quotas/config: a write sets every field, so the form sends them all. */
function QuotaConfigForm() {
  const config = useLoad(async () => (await vault.read<QuotaConfig>('sys/quotas/config'))!.data, []);
  return (
    <section class="card" aria-labelledby="quota-config-heading">
      <h2 id="quota-config-heading">Configuration</h2>
      {config.loading && !config.data ? <Loading /> : null}
      <ErrorList error={config.error} />
      {config.data ? <QuotaConfigFields config={config.data} onSaved={config.reload} /> : null}
    </section>
  );
}

function QuotaConfigFields({ config, onSaved }: { config: QuotaConfig; onSaved: () => void }) {
  const [auditLogging, setAuditLogging] = useState(config.enable_rate_limit_audit_logging);
  const [headers, setHeaders] = useState(config.enable_rate_limit_response_headers);
  const [exempt, setExempt] = useState((config.rate_limit_exempt_paths ?? []).join('\n'));
  const [absolute, setAbsolute] = useState((config.absolute_rate_limit_exempt_paths ?? []).join('\n'));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const save = action.submit(async () => {
    setSaved(false);
    await vault.write('sys/quotas/config', {
      enable_rate_limit_audit_logging: auditLogging,
      enable_rate_limit_response_headers: headers,
      rate_limit_exempt_paths: lines(exempt),
      absolute_rate_limit_exempt_paths: lines(absolute),
    });
    setSaved(true);
    onSaved();
  });
  return (
    <form onSubmit={save} aria-label="Quota configuration">
      <Check label="Record requests refused by a rate limit in the audit log" checked={auditLogging} onChecked={setAuditLogging} />
      <Check label="Send X-Ratelimit-* response headers" checked={headers} onChecked={setHeaders} />
      <TextArea label="Exempt paths (one a line; a trailing * for a prefix)" value={exempt} onValue={setExempt} rows={4} />
      <TextArea label="Exempt paths from the root namespace (one a line)" value={absolute} onValue={setAbsolute} rows={3} />
      <ErrorList error={action.error} />
      {saved ? (
        <p class="success" role="status">
          Configuration saved.
        </p>
      ) : null}
      <button type="submit" class="primary" disabled={action.busy}>
        Save configuration
      </button>
    </form>
  );
}
