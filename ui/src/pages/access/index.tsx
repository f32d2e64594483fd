import { Page } from '../../components/page.js';

// Placeholder while this page is being built (issue 20).
export function AccessRoute(_props: { segments: string[] }) {
  return (
    <Page title="Access">
      <p>Not built yet.</p>
    </Page>
  );
}
