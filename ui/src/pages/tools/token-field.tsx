import { Field } from '../../components/field.js';

/** The wrapping token to act on: a password input, never autofilled, never put in the URL. */
export function WrappingTokenField({ value, onValue }: { value: string; onValue: (value: string) => void }) {
  return <Field label="Wrapping token" type="password" value={value} onValue={onValue} autocomplete="off" spellcheck={false} required />;
}
