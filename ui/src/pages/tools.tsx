import { Page } from '../components/page.js';

// Placeholder while this page is being built (issue 20).
export function ToolsRoute(_props: { segments: string[] }) {
  return (
    <Page title="Tools">
      <p>Not built yet.</p>
    </Page>
  );
}
