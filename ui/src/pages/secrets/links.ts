// The secrets pages' URL scheme: `#/secrets/<mount>/<view>/<path>`. The mount is ONE segment,
// encoded whole with its trailing "/" (`team%2Fkv%2F`), so a mount path holding "/" cannot be
// mistaken for the secret's path; the secret's path follows as ordinary segments. A path in the
// URL never carries a value.

/** The secrets pages' views under a mount. */
export type MountView = 'list' | 'show' | 'edit' | 'create' | 'versions' | 'metadata' | 'tune';

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** A link to the mounts list, a mount, or a view of a path under a mount. */
export function secretsHref(mount?: string, view?: MountView, path = '', query?: Record<string, string>): string {
  let to = '#/secrets';
  if (mount) to += `/${encodeURIComponent(withSlash(mount))}`;
  if (view) to += `/${view}`;
  if (path) to += `/${encodePath(path)}`;
  const search = query ? new URLSearchParams(query).toString() : '';
  return search ? `${to}?${search}` : to;
}

/** The enable-an-engine form. ("enable" has no trailing "/", so no mount segment can be it.) */
export const ENABLE_HREF = '#/secrets/enable';

/** A mount path as Vault writes it in sys/mounts: no leading "/", one trailing "/". */
export function withSlash(mount: string): string {
  return `${mount.replace(/^\/+|\/+$/g, '')}/`;
}

/** The API explorer, prefilled with a path. */
export function explorerHref(path: string): string {
  return `#/api?${new URLSearchParams({ path }).toString()}`;
}

/** A path's parent folder ("a/b/c" → "a/b/", "a" → ""). */
export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut < 0 ? '' : trimmed.slice(0, cut + 1);
}

/** A path's last segment, for headings ("a/b/c" → "c"). */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Each segment of a path URL-encoded, for a /v1 request path. */
export function apiPath(path: string): string {
  return encodePath(path);
}
