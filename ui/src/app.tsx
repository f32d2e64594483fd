import { useEffect, useRef, useState } from 'preact/hooks';
import { AccessRoute } from './pages/access/index.js';
import { ApiExplorer } from './pages/api-explorer.js';
import { AuditPage } from './pages/audit.js';
import { HomePage } from './pages/home.js';
import { LeasesPage } from './pages/leases.js';
import { QuotasPage } from './pages/quotas.js';
import { SecretsRoute } from './pages/secrets/index.js';
import { SignInPage } from './pages/sign-in.js';
import { ToolsRoute } from './pages/tools/index.js';
import { href, useRoute, type Route } from './route.js';
import { currentSession, signOut, subscribe, type Session } from './session.js';

const NAV: readonly { label: string; to: string; section: string }[] = [
  { label: 'Home', to: href(), section: '' },
  { label: 'Secrets', to: href('secrets'), section: 'secrets' },
  { label: 'Tools', to: href('tools'), section: 'tools' },
  { label: 'Policies', to: href('access', 'policies'), section: 'access/policies' },
  { label: 'Auth methods', to: href('access', 'auth'), section: 'access/auth' },
  { label: 'Tokens', to: href('access', 'tokens'), section: 'access/tokens' },
  { label: 'Identity', to: href('access', 'identity'), section: 'access/identity' },
  { label: 'Leases', to: href('leases'), section: 'leases' },
  { label: 'Audit devices', to: href('audit'), section: 'audit' },
  { label: 'Quotas', to: href('quotas'), section: 'quotas' },
  { label: 'API explorer', to: href('api'), section: 'api' },
];

export function App() {
  const [session, setSession] = useState<Session | null>(currentSession);
  const route = useRoute();
  useEffect(() => subscribe(setSession), []);
  useFocusOnNavigation(route);
  if (!session) return <SignInPage />;
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('page-title')?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Coffer</span>
        <span class="muted" data-testid="whoami">
          {session.displayName || 'token'}
          {session.namespace ? ` · namespace ${session.namespace}` : ''}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <nav class="sidebar" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li>
              <a href={item.to} aria-current={isCurrent(route, item.section) ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        <RoutedPage route={route} />
      </main>
    </div>
  );
}

/** After a navigation (not the first load), focus moves to the new page's heading, as screen readers expect. */
function useFocusOnNavigation(route: Route) {
  const first = useRef(true);
  const key = route.segments.join('/');
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
  }, [key]);
}

function isCurrent(route: Route, section: string): boolean {
  const path = route.segments.join('/');
  return section === '' ? path === '' : path === section || path.startsWith(`${section}/`);
}

function RoutedPage({ route }: { route: Route }) {
  const [first, ...rest] = route.segments;
  switch (first) {
    case undefined:
      return <HomePage />;
    case 'secrets':
      return <SecretsRoute segments={rest} query={route.query} />;
    case 'tools':
      return <ToolsRoute segments={rest} />;
    case 'access':
      return <AccessRoute segments={rest} />;
    case 'leases':
      return <LeasesPage />;
    case 'audit':
      return <AuditPage />;
    case 'quotas':
      return <QuotasPage />;
    case 'api':
      return <ApiExplorer query={route.query} />;
    default:
      return (
        <section class="page">
          <h1 id="page-title" tabIndex={-1}>
            Not found
          </h1>
          <p>
            Nothing here. <a href={href()}>Go home</a>.
          </p>
        </section>
      );
  }
}
