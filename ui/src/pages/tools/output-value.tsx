import { useState } from 'preact/hooks';

/** A tool's answer (random bytes, a hash sum): shown, selectable and copyable. */
export function OutputValue({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <section class="card" aria-label={label}>
      <h2>{label}</h2>
      <div class="tool-output">
        <output data-testid={testId}>{value}</output>
        <button type="button" class="small" aria-label={`Copy ${label.toLowerCase()}`} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </section>
  );
}
