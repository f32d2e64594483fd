import { ApiError } from '../api.js';

/** The server's `errors[]` text, as sent (or the local error's message), read out by screen readers. */
export function ErrorList({ error }: { error: unknown }) {
  if (!error) return null;
  const lines = error instanceof ApiError ? (error.errors.length ? error.errors : [error.message]) : [error instanceof Error ? error.message : String(error)];
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError && error.status ? `Error ${error.status}` : 'Error'}</strong>
      <ul>
        {lines.map((line) => (
          <li>{line}</li>
        ))}
      </ul>
    </div>
  );
}
