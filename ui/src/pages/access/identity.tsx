import { useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { ErrorList } from '../../components/errors.js';
import { Field } from '../../components/field.js';
import { formatTime } from '../../components/format.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { call, vault } from '../../session.js';
import { accessHref, splitList } from './links.js';

type Kind = 'entities' | 'groups';
const API: Record<Kind, string> = { entities: 'identity/entity', groups: 'identity/group' };

interface Listed {
  keys: string[];
  key_info: Record<string, { name: string; aliases?: { name: string; mount_path?: string }[]; num_member_entities?: number }>;
}

/** LIST identity/<kind>/id with key_info (Vault answers 404 for an empty list). */
async function listIds(kind: Kind): Promise<Listed> {
  try {
    const answer = await call<Listed>('LIST', `${API[kind]}/id`);
    return { keys: answer?.data.keys ?? [], key_info: answer?.data.key_info ?? {} };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { keys: [], key_info: {} };
    throw err;
  }
}

function Tabs({ current }: { current: Kind }) {
  return (
    <nav class="tabs" aria-label="Identity">
      <a href={accessHref('identity', 'entities')} aria-current={current === 'entities' ? 'page' : undefined}>
        Entities
      </a>
      <a href={accessHref('identity', 'groups')} aria-current={current === 'groups' ? 'page' : undefined}>
        Groups
      </a>
    </nav>
  );
}

/** Entities or groups: the list (names from key_info) and a simple create (name and policies). */
export function IdentityListPage({ kind }: { kind: Kind }) {
  const list = useLoad(() => listIds(kind), [kind]);
  const title = kind === 'entities' ? 'Identity entities' : 'Identity groups';
  return (
    <Page title={title}>
      <Tabs current={kind} />
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorList error={list.error} />
      {list.data?.keys.length === 0 ? <p class="muted">None yet.</p> : null}
      {list.data?.keys.length ? (
        <table class="list-table">
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">{kind === 'entities' ? 'Aliases' : 'Member entities'}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.keys.map((id) => {
              const info = list.data?.key_info[id];
              return (
                <tr>
                  <td>
                    <a href={accessHref('identity', kind, id)}>{info?.name ?? id}</a>
                  </td>
                  <td>
                    <code>{id}</code>
                  </td>
                  <td>{kind === 'entities' ? info?.aliases?.map((a) => `${a.name} (${a.mount_path ?? '?'})`).join(', ') || '—' : String(info?.num_member_entities ?? 0)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <CreateForm kind={kind} />
    </Page>
  );
}

function CreateForm({ kind }: { kind: Kind }) {
  const [name, setName] = useState('');
  const [policies, setPolicies] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const answer = await vault.write<{ id: string }>(API[kind], {
        name: name.trim(),
        policies: splitList(policies),
        ...(kind === 'groups' ? { member_entity_ids: splitList(members) } : {}),
      });
      const id = answer?.data.id;
      if (id) navigate(accessHref('identity', kind, id));
    } catch (err) {
      setError(err);
    }
  };
  const what = kind === 'entities' ? 'entity' : 'group';
  return (
    <section class="card" aria-labelledby="create-heading">
      <h2 id="create-heading">New {what}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div class="form-grid">
          <Field label={`${what === 'entity' ? 'Entity' : 'Group'} name`} value={name} onValue={setName} autocomplete="off" required />
          <Field label="Policies" value={policies} onValue={setPolicies} hint="Comma-separated." autocomplete="off" />
          {kind === 'groups' ? <Field label="Member entity IDs" value={members} onValue={setMembers} hint="Comma-separated." autocomplete="off" /> : null}
        </div>
        <ErrorList error={error} />
        <button type="submit" class="primary">
          Create {what}
        </button>
      </form>
    </section>
  );
}

interface EntityData {
  id: string;
  name: string;
  policies: string[] | null;
  disabled: boolean;
  metadata: Record<string, string> | null;
  aliases: { id: string; name: string; mount_path?: string; mount_type?: string; mount_accessor: string }[];
  direct_group_ids: string[];
  inherited_group_ids: string[];
  creation_time?: string;
}

interface GroupData {
  id: string;
  name: string;
  type: string;
  policies: string[] | null;
  metadata: Record<string, string> | null;
  member_entity_ids: string[] | null;
  member_group_ids: string[] | null;
  parent_group_ids: string[] | null;
  creation_time: string;
}

function IdLinks({ kind, ids }: { kind: Kind; ids: readonly string[] | null | undefined }) {
  if (!ids?.length) return <>—</>;
  return (
    <ul class="plain">
      {ids.map((id) => (
        <li>
          <a href={accessHref('identity', kind, id)}>
            <code>{id}</code>
          </a>
        </li>
      ))}
    </ul>
  );
}

function Metadata({ map }: { map: Record<string, string> | null }) {
  const entries = Object.entries(map ?? {});
  return entries.length ? <>{entries.map(([k, v]) => `${k}=${v}`).join(', ')}</> : <>—</>;
}

/** identity/entity/id/<id>: name, policies, aliases, metadata, groups. */
export function EntityPage({ id }: { id: string }) {
  const entity = useLoad(async () => (await vault.read<EntityData>(`identity/entity/id/${encodeURIComponent(id)}`))?.data ?? null, [id]);
  const e = entity.data;
  return (
    <Page title={`Entity ${e?.name ?? id}`}>
      <Tabs current="entities" />
      {entity.loading && !e ? <Loading /> : null}
      <ErrorList error={entity.error} />
      {entity.data === null ? <p class="notice">No entity with this ID.</p> : null}
      {e ? (
        <>
          <section class="card" aria-labelledby="entity-heading">
            <h2 id="entity-heading">Entity</h2>
            <dl data-testid="entity">
              <dt>Name</dt>
              <dd>{e.name}</dd>
              <dt>ID</dt>
              <dd>
                <code>{e.id}</code>
              </dd>
              <dt>Policies</dt>
              <dd>{e.policies?.join(', ') || '—'}</dd>
              <dt>Disabled</dt>
              <dd>{e.disabled ? 'yes' : 'no'}</dd>
              <dt>Metadata</dt>
              <dd>
                <Metadata map={e.metadata} />
              </dd>
              <dt>Groups</dt>
              <dd>
                <IdLinks kind="groups" ids={e.direct_group_ids} />
              </dd>
              <dt>Inherited groups</dt>
              <dd>
                <IdLinks kind="groups" ids={e.inherited_group_ids} />
              </dd>
              <dt>Created</dt>
              <dd>{formatTime(e.creation_time)}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="aliases-heading">
            <h2 id="aliases-heading">Aliases</h2>
            {e.aliases.length === 0 ? <p class="muted">No aliases.</p> : null}
            {e.aliases.length ? (
              <table data-testid="aliases">
                <caption class="visually-hidden">Aliases of this entity</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Auth method</th>
                    <th scope="col">Mount accessor</th>
                  </tr>
                </thead>
                <tbody>
                  {e.aliases.map((a) => (
                    <tr>
                      <td>{a.name}</td>
                      <td>{a.mount_path ? `${a.mount_path} (${a.mount_type})` : '—'}</td>
                      <td>
                        <code>{a.mount_accessor}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </section>
        </>
      ) : null}
    </Page>
  );
}

/** identity/group/id/<id>: name, policies, members, parents, metadata. */
export function GroupPage({ id }: { id: string }) {
  const group = useLoad(async () => (await vault.read<GroupData>(`identity/group/id/${encodeURIComponent(id)}`))?.data ?? null, [id]);
  const g = group.data;
  return (
    <Page title={`Group ${g?.name ?? id}`}>
      <Tabs current="groups" />
      {group.loading && !g ? <Loading /> : null}
      <ErrorList error={group.error} />
      {group.data === null ? <p class="notice">No group with this ID.</p> : null}
      {g ? (
        <section class="card" aria-labelledby="group-heading">
          <h2 id="group-heading">Group</h2>
          <dl data-testid="group">
            <dt>Name</dt>
            <dd>{g.name}</dd>
            <dt>ID</dt>
            <dd>
              <code>{g.id}</code>
            </dd>
            <dt>Type</dt>
            <dd>{g.type}</dd>
            <dt>Policies</dt>
            <dd>{g.policies?.join(', ') || '—'}</dd>
            <dt>Metadata</dt>
            <dd>
              <Metadata map={g.metadata} />
            </dd>
            <dt>Member entities</dt>
            <dd>
              <IdLinks kind="entities" ids={g.member_entity_ids} />
            </dd>
            <dt>Member groups</dt>
            <dd>
              <IdLinks kind="groups" ids={g.member_group_ids} />
            </dd>
            <dt>Parent groups</dt>
            <dd>
              <IdLinks kind="groups" ids={g.parent_group_ids} />
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(g.creation_time)}</dd>
          </dl>
        </section>
      ) : null}
    </Page>
  );
}
