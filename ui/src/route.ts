// Hash routing (`#/secrets/secret/show/app/db`): the server serves one index.html and needs no
// fallback routes. Only paths go into the URL, never a secret's value or a token.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path's segments, decoded: `#/secrets/kv/show/a%20b` → ['secrets', 'kv', 'show', 'a b']. */
  segments: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

/** A hash link to the given segments (each encoded; a trailing "/" kept on the last for folders). */
export function href(...segments: string[]): string {
  return `#/${segments.map((s) => s.split('/').map(encodeURIComponent).join('/')).join('/')}`;
}

export function navigate(to: string) {
  location.hash = to.replace(/^#/, '');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
