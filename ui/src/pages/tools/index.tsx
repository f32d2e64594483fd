import { Page } from '../../components/page.js';
import { href } from '../../route.js';
import { HashTool } from './hash.js';
import { LookupTool } from './lookup.js';
import { RandomTool } from './random.js';
import { RewrapTool } from './rewrap.js';
import { UnwrapTool } from './unwrap.js';
import { WrapTool } from './wrap.js';
import '../operations.css';

const TOOLS = [
  { id: 'wrap', label: 'Wrap', view: WrapTool },
  { id: 'lookup', label: 'Lookup', view: LookupTool },
  { id: 'unwrap', label: 'Unwrap', view: UnwrapTool },
  { id: 'rewrap', label: 'Rewrap', view: RewrapTool },
  { id: 'random', label: 'Random', view: RandomTool },
  { id: 'hash', label: 'Hash', view: HashTool },
] as const;

/** #/tools/<tool>: Vault's Tools page, one tab per sys/wrapping or sys/tools operation. */
export function ToolsRoute({ segments }: { segments: string[] }) {
  const tool = TOOLS.find((t) => t.id === segments[0]) ?? TOOLS[0];
  const View = tool.view;
  return (
    <Page title={`Tools: ${tool.label}`}>
      <nav class="tabs" aria-label="Tools">
        {TOOLS.map((t) => (
          <a href={href('tools', t.id)} aria-current={t.id === tool.id ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {/* keyed: a tab's typed tokens and answers do not survive switching tabs */}
      <View key={tool.id} />
    </Page>
  );
}
