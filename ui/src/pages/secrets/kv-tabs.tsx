import { secretsHref, type MountView } from './links.js';

const TABS: readonly [MountView, string][] = [
  ['show', 'Secret'],
  ['edit', 'Edit'],
  ['versions', 'Versions'],
  ['metadata', 'Metadata'],
];

/** A secret's pages: v1 has no versions or metadata. */
export function KvTabs({ mount, path, version, current }: { mount: string; path: string; version: 1 | 2; current: MountView }) {
  return (
    <nav class="tabs" aria-label="Secret">
      {TABS.filter(([view]) => version === 2 || view === 'show' || view === 'edit').map(([view, text]) => (
        <a href={secretsHref(mount, view, path)} aria-current={view === current ? 'page' : undefined}>
          {text}
        </a>
      ))}
    </nav>
  );
}
