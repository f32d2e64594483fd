import { Page } from '../components/page.js';

// Placeholder while this page is being built (issue 20).
export function ApiExplorer(_props: { query: URLSearchParams }) {
  return (
    <Page title="API explorer">
      <p>Not built yet.</p>
    </Page>
  );
}
