import { Page } from '../../components/page.js';

// Placeholder while this page is being built (issue 20).
export function SecretsRoute(_props: { segments: string[]; query: URLSearchParams }) {
  return (
    <Page title="Secrets">
      <p>Not built yet.</p>
    </Page>
  );
}
