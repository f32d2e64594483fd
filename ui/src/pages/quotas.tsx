import { Page } from '../components/page.js';

// Placeholder while this page is being built (issue 20).
export function QuotasPage() {
  return (
    <Page title="Quotas">
      <p>Not built yet.</p>
    </Page>
  );
}
