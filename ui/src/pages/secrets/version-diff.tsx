import { ErrorList } from '../../components/errors.js';
import { useLoad } from '../../components/load.js';
import { Loading } from '../../components/page.js';
import { SecretValue } from '../../components/secret-value.js';
import { readSecret, type KvMount } from './kv-api.js';
import { valueText } from '../../components/secret-data-table.js';

type Change = 'added' | 'removed' | 'changed' | 'unchanged';

/** What changed from one version's data to another's, key by key (values stay masked). */
export function diffData(before: Record<string, unknown>, after: Record<string, unknown>): { key: string; change: Change; before?: unknown; after?: unknown }[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.map((key) => {
    const had = Object.hasOwn(before, key);
    const has = Object.hasOwn(after, key);
    const change: Change = !had ? 'added' : !has ? 'removed' : JSON.stringify(before[key]) === JSON.stringify(after[key]) ? 'unchanged' : 'changed';
    return { key, change, before: before[key], after: after[key] };
  });
}

const CHANGE_CLASS: Record<Change, string> = { added: 'diff-add', removed: 'diff-remove', changed: 'diff-change', unchanged: '' };

export function VersionDiff({ mount, path, from, to }: { mount: KvMount; path: string; from: number; to: number }) {
  const loaded = useLoad(async () => Promise.all([readSecret(mount, path, from), readSecret(mount, path, to)]), [mount.path, path, from, to]);
  if (loaded.loading && !loaded.data) return <Loading />;
  if (loaded.error) return <ErrorList error={loaded.error} />;
  const [before, after] = loaded.data ?? [null, null];
  if (!before || !after) return <p class="notice">{!before ? `Version ${from}` : `Version ${to}`} is deleted or destroyed: there is nothing to compare.</p>;
  const rows = diffData(before.data, after.data);
  const changed = rows.filter((r) => r.change !== 'unchanged').length;
  return (
    <>
      <p role="status" data-testid="diff-summary">
        {changed === 0 ? `Versions ${from} and ${to} hold the same data.` : `${changed} key${changed === 1 ? '' : 's'} differ between version ${from} and version ${to}.`}
      </p>
      <table class="diff">
        <caption class="visually-hidden">
          Differences from version {from} to version {to}
        </caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Change</th>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr class={CHANGE_CLASS[row.change]} data-testid={`diff-${row.key}`}>
              <th scope="row">{row.key}</th>
              <td>{row.change}</td>
              <td>{row.before === undefined ? '—' : <SecretValue value={valueText(row.before)} label={`${row.key} in version ${from}`} />}</td>
              <td>{row.after === undefined ? '—' : <SecretValue value={valueText(row.after)} label={`${row.key} in version ${to}`} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
