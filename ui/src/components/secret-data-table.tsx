import { SecretValue } from './secret-value.js';

/** A value as text: strings as they are, anything else as JSON. */
export const valueText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A secret's keys and values, each value masked until revealed and copyable unshown. `labelOf`
 * names a value for its buttons ("Reveal password"), read out by screen readers.
 */
export function SecretDataTable({ data, caption, labelOf = (key) => key }: { data: Record<string, unknown>; caption: string; labelOf?: (key: string) => string }) {
  return (
    <table class="secret-data">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(data).map(([key, value]) => (
          <tr>
            <th scope="row">{key}</th>
            <td>
              <SecretValue value={valueText(value)} label={labelOf(key)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
