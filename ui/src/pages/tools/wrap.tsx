import { useState } from 'preact/hooks';
import type { WrapInfo } from '../../api.js';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { Field, Select, TextArea } from '../../components/field.js';
import { PairRows, pairsToObject, type Pair } from '../../components/pair-rows.js';
import { WrapInfoView } from '../../components/wrap-info.js';
import { vault } from '../../session.js';

type Mode = 'pairs' | 'json';

/** The data to wrap, from the JSON text (an object) or the key/value rows. */
function dataToWrap(mode: Mode, json: string, pairs: Pair[]): Record<string, unknown> {
  if (mode === 'pairs') return pairsToObject(pairs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`the data is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the data must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** sys/wrapping/wrap: any data into a single-use token, with X-Vault-Wrap-TTL. */
export function WrapTool() {
  const [mode, setMode] = useState<Mode>('pairs');
  const [pairs, setPairs] = useState<Pair[]>([{ key: '', value: '' }]);
  const [json, setJson] = useState('{\n  \n}');
  const [ttl, setTtl] = useState('30m');
  const [wrapped, setWrapped] = useState<WrapInfo | null>(null);
  const action = useAction();
  const wrap = action.submit(async () => {
    const data = dataToWrap(mode, json, pairs);
    const answer = await vault.write('sys/wrapping/wrap', data, ttl.trim() || '30m');
    if (!answer?.wrap_info) throw new Error('the server answered no wrapping token');
    setWrapped(answer.wrap_info);
    // The secret has been handed to the server: it need not stay in the form.
    setPairs([{ key: '', value: '' }]);
    setJson('{\n  \n}');
  });
  return (
    <>
      <form onSubmit={wrap} aria-label="Wrap data">
        <Select label="Data as" value={mode} onValue={(v) => setMode(v as Mode)} options={[['pairs', 'Key/value rows'], ['json', 'JSON']]} />
        {mode === 'pairs' ? <PairRows legend="Data to wrap" pairs={pairs} onPairs={setPairs} /> : <TextArea label="Data to wrap (JSON)" value={json} onValue={setJson} rows={8} />}
        <Field label="Wrap TTL" value={ttl} onValue={setTtl} hint="How long the token can be unwrapped: a duration (30m, 1h) or seconds." autocomplete="off" required />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Wrap
        </button>
      </form>
      {wrapped ? <WrapInfoView info={wrapped} /> : null}
    </>
  );
}
