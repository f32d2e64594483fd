import { useState } from 'preact/hooks';

/** A secret's value, masked until revealed; copy puts it on the clipboard without showing it. */
export function SecretValue({ value, label }: { value: string; label: string }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<'Copied' | 'Copy failed' | null>(null);
  const copy = async () => {
    // The browser may refuse the clipboard (permissions, an insecure origin): say so, do not throw.
    setCopied(await navigator.clipboard.writeText(value).then(() => 'Copied' as const, () => 'Copy failed' as const));
    setTimeout(() => setCopied(null), 1500);
  };
  return (
    <span class="secret-value">
      <code data-masked={shown ? 'false' : 'true'}>{shown ? value : '••••••••'}</code>
      <button type="button" class="small" aria-pressed={shown} aria-label={`${shown ? 'Hide' : 'Reveal'} ${label}`} onClick={() => setShown(!shown)}>
        {shown ? 'Hide' : 'Reveal'}
      </button>
      <button type="button" class="small" aria-label={`${copied ?? 'Copy'} ${label}`} onClick={() => void copy()}>
        {copied ?? 'Copy'}
      </button>
    </span>
  );
}
