import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ErrorList } from './errors.js';

/**
 * A button for a destructive action that asks first, in a modal <dialog> (the browser keeps focus
 * inside it and Escape cancels). The action's error shows in the dialog.
 */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, children }: { label: string; question: string; confirmLabel?: string; onConfirm: () => Promise<unknown>; children?: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-label={label}>
        <p>{question}</p>
        {children}
        <ErrorList error={error} />
        <div class="row">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void confirm()}>
            {confirmLabel ?? label}
          </button>
        </div>
      </dialog>
    </>
  );
}
