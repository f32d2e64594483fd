import { useState } from 'preact/hooks';
import type { VaultResponse } from '../api.js';
import { Check } from './field.js';
import { SecretValue } from './secret-value.js';
import { looksSecret, maskSecrets } from './secret-looking.js';

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * An answer from the API: its data as a table (secret-looking fields masked, each revealable), or
 * the whole envelope as JSON (masked until "Reveal" is checked). Warnings are shown as sent.
 */
export function ResponseView({ response }: { response: VaultResponse }) {
  const [asJson, setAsJson] = useState(false);
  const [reveal, setReveal] = useState(false);
  const data = response.data ?? {};
  return (
    <section class="card" aria-labelledby="response-heading">
      <h2 id="response-heading">Response</h2>
      {response.warnings?.length ? (
        <div class="notice" role="status">
          <strong>Warnings</strong>
          <ul>
            {response.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div class="row">
        <Check label="Show as JSON" checked={asJson} onChecked={setAsJson} />
        {asJson ? <Check label="Reveal secret-looking values" checked={reveal} onChecked={setReveal} /> : null}
      </div>
      {asJson ? (
        <pre class="result-json" data-testid="response-json" tabIndex={0}>
          {JSON.stringify(reveal ? response : maskSecrets(response), null, 2)}
        </pre>
      ) : (
        <table data-testid="response-table">
          <caption class="visually-hidden">Data of the response</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(data).map(([key, value]) => (
              <tr data-testid={`response-${key}`}>
                <th scope="row">{key}</th>
                <td>{looksSecret(key) && value !== null && typeof value !== 'object' ? <SecretValue value={text(value)} label={key} /> : typeof value === 'object' && value !== null ? <pre>{JSON.stringify(maskSecrets(value), null, 2)}</pre> : <code>{text(value)}</code>}</td>
              </tr>
            ))}
            {response.wrap_info ? (
              <tr>
                <th scope="row">wrap_info.token</th>
                <td>
                  <SecretValue value={response.wrap_info.token} label="wrapping token" />
                </td>
              </tr>
            ) : null}
            {response.auth ? (
              <tr>
                <th scope="row">auth.client_token</th>
                <td>
                  <SecretValue value={response.auth.client_token} label="client token" />
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
    </section>
  );
}
