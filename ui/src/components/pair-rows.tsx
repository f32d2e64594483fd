import { useId } from 'preact/hooks';

/** One key/value row of a secret being written. */
export interface Pair {
  key: string;
  value: string;
}

/** The rows as the object to write; blank keys are left out, a repeated key keeps its last value. */
export function pairsToObject(pairs: readonly Pair[]): Record<string, string> {
  return Object.fromEntries(pairs.filter((p) => p.key.trim() !== '').map((p) => [p.key.trim(), p.value]));
}

/** Key/value rows to edit a flat secret: values are password inputs, so they are not shown while typed. */
export function PairRows({ pairs, onPairs, legend }: { pairs: Pair[]; onPairs: (pairs: Pair[]) => void; legend: string }) {
  const id = useId();
  const set = (i: number, change: Partial<Pair>) => onPairs(pairs.map((p, j) => (j === i ? { ...p, ...change } : p)));
  return (
    <fieldset class="pair-rows">
      <legend>{legend}</legend>
      {pairs.map((pair, i) => (
        <div class="pair-row">
          <label for={`${id}-k${i}`} class="visually-hidden">
            Key {i + 1}
          </label>
          <input id={`${id}-k${i}`} placeholder="key" value={pair.key} autocomplete="off" onInput={(e) => set(i, { key: e.currentTarget.value })} />
          <label for={`${id}-v${i}`} class="visually-hidden">
            Value {i + 1}
          </label>
          <input id={`${id}-v${i}`} type="password" placeholder="value" value={pair.value} autocomplete="off" onInput={(e) => set(i, { value: e.currentTarget.value })} />
          <button type="button" class="small" aria-label={`Remove row ${i + 1}`} onClick={() => onPairs(pairs.filter((_, j) => j !== i))} disabled={pairs.length === 1}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="small" onClick={() => onPairs([...pairs, { key: '', value: '' }])}>
        Add row
      </button>
    </fieldset>
  );
}
