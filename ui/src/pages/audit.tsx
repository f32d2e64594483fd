import { Page } from '../components/page.js';

// Placeholder while this page is being built (issue 20).
export function AuditPage() {
  return (
    <Page title="Audit devices">
      <p>Not built yet.</p>
    </Page>
  );
}
