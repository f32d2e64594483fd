import { ConfirmButton } from '../../components/confirm.js';
import { ErrorList } from '../../components/errors.js';
import { useLoad } from '../../components/load.js';
import { Loading, Page } from '../../components/page.js';
import { navigate } from '../../route.js';
import { vault } from '../../session.js';
import { accessHref } from './links.js';
import { PolicyForm } from './policies.js';

/** One ACL policy (sys/policies/acl/<name>): its HCL, edited in place, and delete. */
export function PolicyPage({ name }: { name: string }) {
  const path = `sys/policies/acl/${encodeURIComponent(name)}`;
  const policy = useLoad(async () => (await vault.read<{ name: string; policy: string }>(path))?.data, [path]);
  // root has no text: it grants everything and cannot be changed (as in Vault).
  const isRoot = name === 'root';
  return (
    <Page
      title={`Policy ${name}`}
      actions={
        <>
          <a href={accessHref('policies')}>All policies</a>
          {isRoot ? null : (
            <ConfirmButton label="Delete policy" question={`Delete the policy "${name}"? Tokens that have it lose what it grants.`} confirmLabel="Delete" onConfirm={async () => (await vault.remove(path), navigate(accessHref('policies')))} />
          )}
        </>
      }
    >
      {isRoot ? (
        <p class="notice">The root policy grants every capability on every path. It has no rules to edit and cannot be deleted.</p>
      ) : (
        <>
          {policy.loading && !policy.data ? <Loading /> : null}
          <ErrorList error={policy.error} />
          {policy.data ? <PolicyForm name={name} initial={policy.data.policy} saveLabel="Save policy" onSaved={() => undefined} /> : null}
        </>
      )}
    </Page>
  );
}
