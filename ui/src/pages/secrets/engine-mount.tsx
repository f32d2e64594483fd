import { Page } from '../../components/page.js';
import type { KvMount } from './kv-api.js';
import { explorerHref, secretsHref } from './links.js';

/** What an engine's paths are for, to start the explorer somewhere useful. */
const STARTING_POINTS: Record<string, readonly [string, string][]> = {
  transit: [
    ['keys/', 'Encryption keys (list)'],
    ['encrypt/<key>', 'Encrypt with a key'],
    ['decrypt/<key>', 'Decrypt with a key'],
  ],
  pki: [
    ['roles/', 'Roles (list)'],
    ['issue/<role>', 'Issue a certificate'],
    ['root/generate/internal', 'Generate a root CA'],
    ['certs/', 'Certificates (list)'],
  ],
  database: [
    ['config/', 'Connections (list)'],
    ['roles/', 'Roles (list)'],
    ['creds/<role>', 'Credentials of a role'],
  ],
};

/** A mount that is not KV: its paths are worked through the API explorer, driven by the engine's help. */
export function EngineMountPage({ mount }: { mount: KvMount }) {
  const points = STARTING_POINTS[mount.type] ?? [];
  return (
    <Page
      title={mount.path}
      actions={
        <a class="button" href={secretsHref(mount.path, 'tune')}>
          Configure
        </a>
      }
    >
      <p>
        <a href={secretsHref()}>Secrets engines</a> / {mount.path}
      </p>
      <dl class="card">
        <dt>Type</dt>
        <dd>{mount.type}</dd>
        <dt>Description</dt>
        <dd>{mount.description || '—'}</dd>
      </dl>
      <p>
        <a href={explorerHref(mount.path)}>Open {mount.path} in the API explorer</a>: every path of the engine, with a form built from its help.
      </p>
      {points.length ? (
        <ul>
          {points.map(([rest, text]) => (
            <li>
              <a href={explorerHref(`${mount.path}${rest}`)}>{text}</a> <code>{`${mount.path}${rest}`}</code>
            </li>
          ))}
        </ul>
      ) : null}
    </Page>
  );
}
