import { secretsHref } from './links.js';

/** Where a path is: the mounts list, the mount, then each folder, each a link (the last is the page). */
export function Breadcrumbs({ mount, path }: { mount: string; path: string }) {
  const parts = path.split('/').filter(Boolean);
  return (
    <nav aria-label="Breadcrumb" class="breadcrumbs">
      <ol>
        <li>
          <a href={secretsHref()}>Secrets engines</a>
        </li>
        <li>
          <a href={secretsHref(mount)}>{mount}</a>
        </li>
        {parts.map((part, i) => {
          const isLast = i === parts.length - 1;
          const folder = `${parts.slice(0, i + 1).join('/')}/`;
          return <li>{isLast && !path.endsWith('/') ? <span aria-current="page">{part}</span> : <a href={secretsHref(mount, 'list', folder)}>{part}/</a>}</li>;
        })}
      </ol>
    </nav>
  );
}
