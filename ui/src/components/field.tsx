import type { InputHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value' | 'label'>;

/** A labelled text input: the label is always there (axe and screen readers need it). */
export function Field({ label, value, onValue, hint, ...rest }: { label: string; value: string; onValue: (value: string) => void; hint?: string } & InputProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint ? (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** A labelled multi-line input (JSON, HCL). */
export function TextArea({ label, value, onValue, rows = 10, ...rest }: { label: string; value: string; onValue: (value: string) => void; rows?: number } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onInput' | 'value' | 'rows' | 'label'>) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} rows={rows} value={value} spellcheck={false} onInput={(e) => onValue(e.currentTarget.value)} {...rest} />
    </div>
  );
}

/** A labelled select over fixed options. */
export function Select({ label, value, onValue, options }: { label: string; value: string; onValue: (value: string) => void; options: readonly (string | [value: string, text: string])[] }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
        {options.map((o) => {
          const [v, text] = typeof o === 'string' ? [o, o] : o;
          return <option value={v}>{text}</option>;
        })}
      </select>
    </div>
  );
}

/** A labelled checkbox. */
export function Check({ label, checked, onChecked }: { label: string; checked: boolean; onChecked: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div class="field check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChecked(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}
