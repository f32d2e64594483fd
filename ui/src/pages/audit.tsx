import { useState } from 'preact/hooks';
import { useAction } from '../components/action.js';
import { apiPath } from '../components/api-path.js';
import { ConfirmButton } from '../components/confirm.js';
import { ErrorList } from '../components/errors.js';
import { Check, Field, Select } from '../components/field.js';
import { useLoad } from '../components/load.js';
import { Loading, Page } from '../components/page.js';
import { vault } from '../session.js';
import './operations.css';

interface Device {
  type: string;
  description: string;
  options: Record<string, string> | null;
  local: boolean;
  path: string;
}

type DeviceType = 'file' | 'socket' | 'syslog';

/** The options each device type reads (src/audit/*.ts), with a hint each. */
const TYPE_OPTIONS: Record<DeviceType, readonly { name: string; label: string; hint: string; placeholder?: string }[]> = {
  file: [
    { name: 'file_path', label: 'File path', hint: 'Where the log is appended; "stdout" or "discard" also work.', placeholder: '/var/log/coffer/audit.log' },
    { name: 'mode', label: 'File mode', hint: 'Octal permissions of a new file; 0600 by default.', placeholder: '0600' },
  ],
  socket: [
    { name: 'address', label: 'Address', hint: 'host:port, or a path for a unix socket.', placeholder: '127.0.0.1:9090' },
    { name: 'socket_type', label: 'Socket type', hint: 'tcp (default), udp or unix.', placeholder: 'tcp' },
    { name: 'write_timeout', label: 'Write timeout', hint: 'How long a write may take; 2s by default.', placeholder: '2s' },
  ],
  syslog: [
    { name: 'facility', label: 'Facility', hint: 'AUTH by default.', placeholder: 'AUTH' },
    { name: 'tag', label: 'Tag', hint: 'The program name in each line; "vault" by default.', placeholder: 'vault' },
    { name: 'address', label: 'Syslog address', hint: 'The syslog server; the local one by default.' },
    { name: 'socket_type', label: 'Syslog socket type', hint: 'udp (default), tcp or unix.', placeholder: 'udp' },
  ],
};

/** sys/audit (sudo): the enabled devices, enabling one, and disabling one after asking. */
export function AuditPage() {
  const devices = useLoad(async () => Object.values((await vault.read<Record<string, Device>>('sys/audit'))?.data ?? {}), []);
  return (
    <Page title="Audit devices">
      <section class="card" aria-labelledby="devices-heading">
        <h2 id="devices-heading">Enabled devices</h2>
        {devices.loading && !devices.data ? <Loading /> : null}
        <ErrorList error={devices.error} />
        {devices.data && devices.data.length === 0 ? <p class="muted">No audit device is enabled: requests are not recorded.</p> : null}
        {devices.data && devices.data.length > 0 ? (
          <table data-testid="audit-devices">
            <caption class="visually-hidden">Enabled audit devices</caption>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
                <th scope="col">Options</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.map((d) => (
                <tr>
                  <td>
                    <code>{d.path}</code>
                    {d.local ? ' (local)' : ''}
                  </td>
                  <td>{d.type}</td>
                  <td>{d.description || '—'}</td>
                  <td>
                    {Object.entries(d.options ?? {}).map(([k, v]) => (
                      <div>
                        <code>
                          {k}={v}
                        </code>
                      </div>
                    ))}
                  </td>
                  <td>
                    <ConfirmButton
                      label={`Disable ${d.path}`}
                      question={`Disable the audit device at ${d.path}? Requests are no longer recorded there, and its HMAC key is lost: values in its old log can no longer be matched with sys/audit-hash.`}
                      confirmLabel="Disable"
                      onConfirm={async () => {
                        await vault.remove(`sys/audit/${apiPath(d.path.replace(/\/$/, ''))}`);
                        devices.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <EnableDevice onEnabled={devices.reload} />
    </Page>
  );
}

function EnableDevice({ onEnabled }: { onEnabled: () => void }) {
  const [type, setType] = useState<DeviceType>('file');
  const [path, setPath] = useState('');
  const [description, setDescription] = useState('');
  const [local, setLocal] = useState(false);
  const [format, setFormat] = useState('json');
  const [prefix, setPrefix] = useState('');
  const [hmacAccessor, setHmacAccessor] = useState(true);
  const [logRaw, setLogRaw] = useState(false);
  const [elideLists, setElideLists] = useState(false);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [enabled, setEnabled] = useState<string | null>(null);
  const action = useAction();
  const enable = action.submit(async () => {
    setEnabled(null);
    const at = (path.trim() || type).replace(/^\/+|\/+$/g, '');
    const options: Record<string, string> = { format, hmac_accessor: String(hmacAccessor), log_raw: String(logRaw), elide_list_responses: String(elideLists) };
    if (prefix) options.prefix = prefix;
    for (const { name } of TYPE_OPTIONS[type]) if (typed[name]?.trim()) options[name] = typed[name].trim();
    await vault.write(`sys/audit/${apiPath(at)}`, { type, description, local, options });
    setEnabled(`Enabled the ${type} device at ${at}/.`);
    setPath('');
    setDescription('');
    setTyped({});
    onEnabled();
  });
  return (
    <section class="card" aria-labelledby="enable-heading">
      <h2 id="enable-heading">Enable a device</h2>
      <form onSubmit={enable} aria-label="Enable an audit device">
        <div class="form-grid">
          <Select label="Type" value={type} onValue={(v) => (setType(v as DeviceType), setTyped({}))} options={['file', 'socket', 'syslog']} />
          <Field label="Path" value={path} onValue={setPath} placeholder={type} hint="Where it is mounted under sys/audit/; the type by default." autocomplete="off" />
          <Field label="Description" value={description} onValue={setDescription} autocomplete="off" />
        </div>
        <fieldset class="options">
          <legend>{type} options</legend>
          <div class="form-grid">
            {TYPE_OPTIONS[type].map((o) => (
              <Field label={o.label} value={typed[o.name] ?? ''} onValue={(v) => setTyped({ ...typed, [o.name]: v })} hint={o.hint} placeholder={o.placeholder} autocomplete="off" />
            ))}
          </div>
        </fieldset>
        <fieldset class="options">
          <legend>Every device</legend>
          <div class="form-grid">
            <Select label="Format" value={format} onValue={setFormat} options={['json', 'jsonx']} />
            <Field label="Line prefix" value={prefix} onValue={setPrefix} hint="Written before each entry." autocomplete="off" />
          </div>
          <Check label="HMAC accessors (hmac_accessor)" checked={hmacAccessor} onChecked={setHmacAccessor} />
          <Check label="Log raw values, without HMAC (log_raw: secrets in the clear, keep off)" checked={logRaw} onChecked={setLogRaw} />
          <Check label="Elide list responses (elide_list_responses)" checked={elideLists} onChecked={setElideLists} />
          <Check label="Local: not replicated to other clusters" checked={local} onChecked={setLocal} />
        </fieldset>
        <ErrorList error={action.error} />
        {enabled ? (
          <p class="success" role="status">
            {enabled}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={action.busy}>
          Enable device
        </button>
      </form>
    </section>
  );
}
