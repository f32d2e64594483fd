import { useState } from 'preact/hooks';
import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { formatDuration } from '../../components/format.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { secretsHref } from './links.js';

interface Tune {
  description: string;
  default_lease_ttl: number;
  max_lease_ttl: number;
}

/** A mount's settings (sys/mounts/<path>/tune) and disabling it (DELETE sys/mounts/<path>). */
export function TunePage({ mount }: { mount: string }) {
  const tune = useLoad(async () => (await vault.read<Tune>(`sys/mounts/${mount}tune`))!.data, [mount]);
  return (
    <Page
      title={`Configure ${mount}`}
      actions={
        <ConfirmButton label="Disable engine" question={`Disable ${mount}? Every secret stored under it is deleted and its leases are revoked.`} onConfirm={async () => (await vault.remove(`sys/mounts/${mount}`), navigate(secretsHref()))} />
      }
    >
      <p>
        <a href={secretsHref(mount)}>Back to {mount}</a>
      </p>
      {tune.loading && !tune.data ? <Loading /> : null}
      <ErrorList error={tune.error} />
      {tune.data ? <TuneForm mount={mount} initial={tune.data} /> : null}
    </Page>
  );
}

/** 0 is "the system default" to the server: an empty field, not a duration. */
const ttlText = (seconds: number) => (seconds ? formatDuration(seconds) : '');

/**
 * The tune form, rendered once the current settings are in, so its fields start from them and a
 * late answer never overwrites what was typed.
 */
function TuneForm({ mount, initial }: { mount: string; initial: Tune }) {
  const [description, setDescription] = useState(initial.description);
  const [defaultTtl, setDefaultTtl] = useState(ttlText(initial.default_lease_ttl));
  const [maxTtl, setMaxTtl] = useState(ttlText(initial.max_lease_ttl));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await vault.write(`sys/mounts/${mount}tune`, { description, default_lease_ttl: defaultTtl.trim() || '0', max_lease_ttl: maxTtl.trim() || '0' });
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={(e) => void submit(e)}>
      <Field label="Description" value={description} onValue={setDescription} autocomplete="off" />
      <Field label="Default lease TTL" value={defaultTtl} onValue={setDefaultTtl} placeholder="system default" hint="A duration (30m, 24h) or seconds." autocomplete="off" />
      <Field label="Max lease TTL" value={maxTtl} onValue={setMaxTtl} placeholder="system default" autocomplete="off" />
      <ErrorList error={error} />
      {saved ? (
        <p class="success" role="status">
          Saved.
        </p>
      ) : null}
      <button type="submit" class="primary">
        Save
      </button>
    </form>
  );
}
