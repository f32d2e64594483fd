/** Go's strconv.ParseBool spellings, which Vault accepts for every boolean it reads from text. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean written as text, as Go's strconv.ParseBool reads it; undefined for anything else. */
export function parseBoolText(text: string): boolean | undefined {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}
