import { Check, Field, TextArea } from './field.js';

/** A field's schema in a help answer's OpenAPI document (src/framework/help.ts, as Vault's). */
export interface FieldSchema {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  items?: { type?: string };
}

export interface ObjectSchema {
  properties?: Record<string, FieldSchema>;
  required?: string[];
}

/** What the inputs hold: text for most fields, a flag for booleans. Absent: not filled in. */
export type FieldValues = Record<string, string | boolean>;

function hintOf(schema: FieldSchema, required: boolean): string {
  const parts = [schema.description ?? ''];
  if (schema.type === 'array') parts.push('Comma-separated.');
  if (schema.type === 'object' || schema.type === undefined) parts.push(schema.type === 'object' ? 'A JSON object.' : 'Text, or JSON.');
  if (schema.format === 'duration') parts.push('A duration (30m, 24h) or seconds.');
  if (schema.default !== undefined && schema.default !== '' && !(Array.isArray(schema.default) && schema.default.length === 0)) parts.push(`Default: ${JSON.stringify(schema.default)}.`);
  if (required) parts.push('Required.');
  return parts.filter(Boolean).join(' ');
}

/** One labelled input per field of a request body, of a kind that fits its type. */
export function OpenApiFields({ schema, values, onValues }: { schema: ObjectSchema; values: FieldValues; onValues: (values: FieldValues) => void }) {
  const required = new Set(schema.required ?? []);
  const set = (name: string) => (value: string | boolean) => onValues({ ...values, [name]: value });
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, field]) => {
        const hint = hintOf(field, required.has(name));
        if (field.type === 'boolean') {
          const checked = typeof values[name] === 'boolean' ? (values[name] as boolean) : field.default === true;
          return (
            <div class="explorer-field">
              <Check label={name} checked={checked} onChecked={set(name)} />
              {hint ? <p class="field-doc">{hint}</p> : null}
            </div>
          );
        }
        const value = typeof values[name] === 'string' ? (values[name] as string) : '';
        if (field.type === 'object' || field.type === undefined) {
          return (
            <div class="explorer-field">
              <TextArea label={name} value={value} onValue={set(name)} rows={3} aria-describedby={`doc-${name}`} />
              <p class="field-doc" id={`doc-${name}`}>
                {hint}
              </p>
            </div>
          );
        }
        return <Field label={name} value={value} onValue={set(name)} type={field.type === 'integer' || field.type === 'number' ? 'number' : 'text'} hint={hint || undefined} autocomplete="off" spellcheck={false} required={required.has(name)} />;
      })}
    </>
  );
}

/**
 * The request body from the inputs: only the fields filled in (or, for a flag, changed), each
 * converted to its type. Throws on text that is not what its field takes.
 */
export function bodyFromFields(schema: ObjectSchema, values: FieldValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    if (value === undefined) continue;
    if (typeof value === 'boolean') {
      body[name] = value;
      continue;
    }
    if (value.trim() === '') continue;
    switch (field.type) {
      case 'integer':
      case 'number': {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new Error(`${name} must be a number.`);
        body[name] = n;
        break;
      }
      case 'array':
        body[name] = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'object':
        try {
          body[name] = JSON.parse(value) as unknown;
        } catch {
          throw new Error(`${name} must be a JSON object.`);
        }
        break;
      case undefined:
        // Any JSON value: an object or list as JSON, anything else as the text typed.
        body[name] = /^\s*[[{]/.test(value) ? (JSON.parse(value) as unknown) : value;
        break;
      default:
        body[name] = value;
    }
  }
  return body;
}
