import { useState } from 'preact/hooks';
import { Check, TextArea } from './field.js';

interface Row {
  key: string;
  value: string;
}

/** What the editor holds now: the object, or why it is not one yet. */
export type Draft = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };

const onlyStrings = (data: Record<string, unknown>) => Object.values(data).every((v) => typeof v === 'string');

function rowsOf(data: Record<string, unknown>): Row[] {
  const rows = Object.entries(data).map(([key, value]) => ({ key, value: String(value) }));
  return rows.length ? rows : [{ key: '', value: '' }];
}

function fromRows(rows: readonly Row[]): Draft {
  const data: Record<string, string> = {};
  for (const [i, row] of rows.entries()) {
    const key = row.key.trim();
    if (!key && !row.value) continue;
    if (!key) return { ok: false, error: `Row ${i + 1} has a value but no key.` };
    if (Object.hasOwn(data, key)) return { ok: false, error: `The key "${key}" is there twice.` };
    data[key] = row.value;
  }
  return { ok: true, data };
}

function fromJson(text: string): Draft {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'The JSON must be an object.' };
    return { ok: true, data: parsed as Record<string, unknown> };
  } catch (err) {
    return { ok: false, error: `The JSON does not parse: ${(err as Error).message}` };
  }
}

/**
 * An object edited as key/value rows or as JSON, toggled. Values are masked while typed (a secret's
 * values, unless `masked` is false). Data holding non-string values can only be edited as JSON.
 */
export function KeyValueEditor({ legend, initial, onDraft, masked = true, stringsOnly = false }: { legend: string; initial: Record<string, unknown>; onDraft: (draft: Draft) => void; masked?: boolean; stringsOnly?: boolean }) {
  const [asJson, setAsJson] = useState(!onlyStrings(initial));
  const [rows, setRows] = useState<Row[]>(() => rowsOf(onlyStrings(initial) ? initial : {}));
  const [json, setJson] = useState(() => JSON.stringify(initial, null, 2));
  const [showValues, setShowValues] = useState(!masked);
  const [toggleError, setToggleError] = useState<string | null>(null);

  const changeRows = (next: Row[]) => (setRows(next), onDraft(fromRows(next)));
  const changeJson = (text: string) => {
    setJson(text);
    const draft = fromJson(text);
    onDraft(draft.ok && stringsOnly && !onlyStrings(draft.data) ? { ok: false, error: 'Every value must be a string.' } : draft);
  };
  const toggle = (toJson: boolean) => {
    setToggleError(null);
    if (toJson) {
      const draft = fromRows(rows);
      if (!draft.ok) return setToggleError(draft.error);
      setJson(JSON.stringify(draft.data, null, 2));
      setAsJson(true);
      return;
    }
    const draft = fromJson(json);
    if (!draft.ok) return setToggleError(draft.error);
    if (!onlyStrings(draft.data)) return setToggleError('Some values are not strings: they can only be edited as JSON.');
    setRows(rowsOf(draft.data));
    setAsJson(false);
  };

  return (
    <fieldset class="kv-editor">
      <legend>{legend}</legend>
      <div class="row">
        <button type="button" class="small" aria-pressed={asJson} onClick={() => toggle(!asJson)}>
          Edit as JSON
        </button>
        {!asJson && masked ? <Check label="Show values" checked={showValues} onChecked={setShowValues} /> : null}
      </div>
      {toggleError ? (
        <p class="error" role="alert">
          {toggleError}
        </p>
      ) : null}
      {asJson ? (
        <TextArea label={`${legend} as JSON`} value={json} onValue={changeJson} rows={Math.min(20, Math.max(6, json.split('\n').length + 1))} />
      ) : (
        <>
          <table class="kv-rows">
            <caption class="visually-hidden">{legend} as key/value rows</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr>
                  <td>
                    <input aria-label={`Key ${i + 1}`} value={row.key} autocomplete="off" spellcheck={false} onInput={(e) => changeRows(rows.map((r, j) => (j === i ? { ...r, key: e.currentTarget.value } : r)))} />
                  </td>
                  <td>
                    <input aria-label={`Value ${i + 1}`} type={showValues ? 'text' : 'password'} value={row.value} autocomplete="off" spellcheck={false} onInput={(e) => changeRows(rows.map((r, j) => (j === i ? { ...r, value: e.currentTarget.value } : r)))} />
                  </td>
                  <td>
                    <button type="button" class="small" aria-label={`Remove row ${i + 1}`} onClick={() => changeRows(rows.length > 1 ? rows.filter((_, j) => j !== i) : [{ key: '', value: '' }])}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" class="small" onClick={() => changeRows([...rows, { key: '', value: '' }])}>
            Add row
          </button>
        </>
      )}
    </fieldset>
  );
}

/** The editor's draft for data it starts from, before any change. */
export function initialDraft(initial: Record<string, unknown>): Draft {
  return { ok: true, data: initial };
}
