import { useState } from 'preact/hooks';
import { useAction } from '../../components/action.js';
import { ErrorList } from '../../components/errors.js';
import { Select, TextArea } from '../../components/field.js';
import { vault } from '../../session.js';
import { OutputValue } from './output-value.js';

/** The algorithms sys/tools/hash takes (Vault's: SHA-2 and SHA-3). */
const ALGORITHMS = ['sha2-256', 'sha2-224', 'sha2-384', 'sha2-512', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512'];

/** Standard base64 of text's UTF-8 bytes, as the API wants its input. */
function textToBase64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** sys/tools/hash/<algorithm>: the digest of text or of base64 bytes, hex or base64. */
export function HashTool() {
  const [input, setInput] = useState('');
  const [inputFormat, setInputFormat] = useState<'text' | 'base64'>('text');
  const [algorithm, setAlgorithm] = useState('sha2-256');
  const [format, setFormat] = useState('hex');
  const [sum, setSum] = useState<string | null>(null);
  const action = useAction();
  const hash = action.submit(async () => {
    setSum(null);
    const body = { input: inputFormat === 'text' ? textToBase64(input) : input.trim(), format };
    const answer = await vault.write<{ sum: string }>(`sys/tools/hash/${algorithm}`, body);
    setSum(answer?.data.sum ?? '');
  });
  return (
    <>
      <form onSubmit={hash} aria-label="Hash data">
        <Select label="Input is" value={inputFormat} onValue={(v) => setInputFormat(v as 'text' | 'base64')} options={[['text', 'Text (UTF-8)'], ['base64', 'Base64']]} />
        <TextArea label="Input" value={input} onValue={setInput} rows={5} />
        <Select label="Algorithm" value={algorithm} onValue={setAlgorithm} options={ALGORITHMS} />
        <Select label="Output format" value={format} onValue={setFormat} options={['hex', 'base64']} />
        <ErrorList error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Hash
        </button>
      </form>
      {sum !== null ? <OutputValue label="Sum" value={sum} testId="hash-sum" /> : null}
    </>
  );
}
