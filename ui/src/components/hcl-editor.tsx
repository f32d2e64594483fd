import { useId, useRef } from 'preact/hooks';

/**
 * A labelled code textarea with line numbers beside it. `errorLine` (1-based) marks the line a
 * parse error points at: its number is highlighted and a "line N" note, tied to the textarea by
 * aria-describedby, offers to put the cursor there. The gutter is decorative (aria-hidden); the
 * textarea keeps Tab for moving focus, so the editor never traps the keyboard.
 */
export function HclEditor({ label, value, onValue, errorLine, rows = 16, readOnly = false }: { label: string; value: string; onValue: (value: string) => void; errorLine?: number | null; rows?: number; readOnly?: boolean }) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLOListElement>(null);
  const count = Math.max(rows, value.split('\n').length);
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  const goToLine = (line: number) => {
    const el = area.current;
    if (!el) return;
    const lines = el.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };
  return (
    <div class="field hcl-editor">
      <label for={id}>{label}</label>
      <div class="hcl-editor-body">
        <ol class="hcl-gutter" ref={gutter} aria-hidden="true">
          {numbers.map((n) => (
            <li class={n === errorLine ? 'hcl-error-line' : undefined} data-line={n}>
              {n}
            </li>
          ))}
        </ol>
        <textarea
          id={id}
          ref={area}
          rows={rows}
          value={value}
          wrap="off"
          spellcheck={false}
          readOnly={readOnly}
          aria-invalid={errorLine ? 'true' : undefined}
          aria-describedby={errorLine ? `${id}-error` : undefined}
          onInput={(e) => onValue(e.currentTarget.value)}
          // The gutter follows the text as it scrolls (scrollTop is a property, not a style: CSP-safe).
          onScroll={(e) => gutter.current && (gutter.current.scrollTop = e.currentTarget.scrollTop)}
        />
      </div>
      {errorLine ? (
        <p id={`${id}-error`} class="hcl-error-note" data-testid="error-line">
          The error is at <strong>line {errorLine}</strong>.{' '}
          <button type="button" class="small" onClick={() => goToLine(errorLine)}>
            Go to line {errorLine}
          </button>
        </p>
      ) : null}
    </div>
  );
}

/**
 * The line a policy parse error names: Coffer's "line 3, column 5:" / "(line 2)", or Vault's
 * "At 3:5:". Null when it names none.
 */
export function errorLineOf(messages: readonly string[]): number | null {
  for (const message of messages) {
    const found = /\bline (\d+)\b/.exec(message) ?? /\bAt (\d+):\d+/.exec(message);
    if (found) return Number(found[1]);
  }
  return null;
}
