import { useState } from 'preact/hooks';

export interface Action {
  busy: boolean;
  error: unknown;
  /** Runs `work` as a form's submit: no page reload, the last error kept to show. */
  submit: (work: () => Promise<unknown>) => (e?: Event) => void;
  clearError: () => void;
}

/** The state of one form's action: busy while it runs, and the server's error if it failed. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = (work: () => Promise<unknown>) => (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    work().then(
      () => setBusy(false),
      (err: unknown) => {
        setError(err);
        setBusy(false);
      },
    );
  };
  return { busy, error, submit, clearError: () => setError(null) };
}
