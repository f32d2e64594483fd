import { useState } from 'preact/hooks';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { Field, Select } from '../../components/field.js';
import { vault } from '../../session.js';
import { OutputValue } from './output-value.js';

/** sys/tools/random/<bytes>: bytes from the server's CSPRNG, hex or base64. */
export function RandomTool() {
  const [bytes, setBytes] = useState('32');
  const [format, setFormat] = useState('base64');
  const [random, setRandom] = useState<string | null>(null);
  const action = useAction();
  const generate = action.submit(async () => {
    setRandom(null);
    const count = bytes.trim();
    if (!/^\d+$/.test(count)) throw new Error('the number of bytes must be a whole number');
    const answer = await vault.write<{ random_bytes: string }>(`sys/tools/random/${count}`, { format });
    setRandom(answer?.data.random_bytes ?? '');
  });
  return (
    <>
      <form onSubmit={generate} aria-label="Random bytes">
        <Field label="Number of bytes" type="number" min={1} value={bytes} onValue={setBytes} required />
        <Select label="Output format" value={format} onValue={setFormat} options={['base64', 'hex']} />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Generate
        </button>
      </form>
      {random !== null ? <OutputValue label="Random bytes" value={random} testId="random-bytes" /> : null}
    </>
  );
}
