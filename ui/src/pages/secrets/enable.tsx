import { useState } from 'preact/hooks';
import { ErrorList } from '../../components/errors.js';
import { Field, Select } from '../../components/field.js';
import { Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { secretsHref, withSlash } from './links.js';

/** The engines Coffer serves (src/core/backend-catalog.ts) that can be mounted more than once. */
const ENGINE_TYPES: readonly [string, string][] = [
  ['kv', 'KV (key/value)'],
  ['transit', 'Transit (encryption as a service)'],
  ['pki', 'PKI (certificates)'],
  ['database', 'Database (dynamic credentials)'],
];

/** Enables a secrets engine: sys/mounts/<path> with its type, description, KV version and lease TTLs. */
export function EnablePage() {
  const [type, setType] = useState('kv');
  const [path, setPath] = useState('');
  const [description, setDescription] = useState('');
  const [kvVersion, setKvVersion] = useState('2');
  const [defaultTtl, setDefaultTtl] = useState('');
  const [maxTtl, setMaxTtl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const mount = withSlash(path.trim() || type);
    try {
      const config: Record<string, string> = {};
      if (defaultTtl.trim()) config.default_lease_ttl = defaultTtl.trim();
      if (maxTtl.trim()) config.max_lease_ttl = maxTtl.trim();
      await vault.write(`sys/mounts/${mount}`, { type, description, config, ...(type === 'kv' ? { options: { version: kvVersion } } : {}) });
      navigate(secretsHref(mount));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Enable a secrets engine">
      <form onSubmit={(e) => void submit(e)} class="card">
        <Select label="Engine type" value={type} onValue={setType} options={ENGINE_TYPES} />
        <Field label="Path" value={path} onValue={setPath} placeholder={`${type}/`} hint="Where it is mounted; may hold “/” (team/kv/). Empty: the type's name." autocomplete="off" />
        <Field label="Description" value={description} onValue={setDescription} autocomplete="off" />
        {type === 'kv' ? (
          <Select
            label="KV version"
            value={kvVersion}
            onValue={setKvVersion}
            options={[
              ['2', 'Version 2 (versioned)'],
              ['1', 'Version 1'],
            ]}
          />
        ) : null}
        <Field label="Default lease TTL" value={defaultTtl} onValue={setDefaultTtl} placeholder="768h" hint="A duration (30m, 24h) or seconds; empty: the system's." autocomplete="off" />
        <Field label="Max lease TTL" value={maxTtl} onValue={setMaxTtl} placeholder="768h" autocomplete="off" />
        <ErrorList error={error} />
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            Enable engine
          </button>
          <a href={secretsHref()}>Cancel</a>
        </div>
      </form>
    </Page>
  );
}
