import { Page } from '../components/page.js';

// Placeholder while this page is being built (issue 20).
export function LeasesPage() {
  return (
    <Page title="Leases">
      <p>Not built yet.</p>
    </Page>
  );
}
