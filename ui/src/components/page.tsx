import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** A page: its heading (also the document title; never a secret's value) and its content. */
export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Coffer`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** "Loading…" announced politely, for lists and reads in flight. */
export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}
