import { ErrorList } from '../../components/errors.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { EnablePage } from './enable.js';
import { EngineMountPage } from './engine-mount.js';
import { findMount, isKvType, type KvMount } from './kv-api.js';
import { KvEditPage } from './kv-edit.js';
import { KvListPage } from './kv-list.js';
import { KvMetadataPage } from './kv-metadata.js';
import { KvSecretPage } from './kv-secret.js';
import { KvVersionsPage } from './kv-versions.js';
import { withSlash, type MountView } from './links.js';
import { MountsPage } from './mounts.js';
import { TunePage } from './tune.js';
import './secrets.css';

/** `#/secrets/...` (see links.ts for the scheme): the mounts list, the enable form, or a mount's page. */
export function SecretsRoute({ segments, query }: { segments: string[]; query: URLSearchParams }) {
  const [first, view, ...rest] = segments;
  if (first === undefined) return <MountsPage />;
  if (first === 'enable' && view === undefined) return <EnablePage />;
  const mount = withSlash(first);
  if (view === 'tune') return <TunePage mount={mount} />;
  return <MountRoute mount={mount} view={view as MountView | undefined} path={rest.join('/')} query={query} />;
}

function MountRoute({ mount, view, path, query }: { mount: string; view: MountView | undefined; path: string; query: URLSearchParams }) {
  const found = useLoad(() => findMount(mount), [mount]);
  if (found.error) {
    return (
      <Page title={mount}>
        <ErrorList error={found.error} />
      </Page>
    );
  }
  if (!found.data) return <Loading />;
  const kv = found.data;
  if (!isKvType(kv.type)) return <EngineMountPage mount={kv} />;
  return <KvView kv={kv} view={view} path={path} query={query} />;
}

function KvView({ kv, view, path, query }: { kv: KvMount; view: MountView | undefined; path: string; query: URLSearchParams }) {
  switch (view) {
    case undefined:
      return <KvListPage mount={kv} folder="" />;
    case 'list':
      return <KvListPage mount={kv} folder={path ? withSlash(path) : ''} />;
    case 'show':
      return <KvSecretPage mount={kv} path={path} version={Number(query.get('version') ?? 0) || 0} />;
    case 'create':
      return <KvEditPage mount={kv} path={path ? withSlash(path) : ''} creating />;
    case 'edit':
      return <KvEditPage mount={kv} path={path} creating={false} />;
    case 'versions':
      return kv.version === 2 ? <KvVersionsPage mount={kv} path={path} /> : <KvSecretPage mount={kv} path={path} version={0} />;
    case 'metadata':
      return kv.version === 2 ? <KvMetadataPage mount={kv} path={path} /> : <KvSecretPage mount={kv} path={path} version={0} />;
    default:
      return (
        <Page title="Not found">
          <p>No such view.</p>
        </Page>
      );
  }
}
