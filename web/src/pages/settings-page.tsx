import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client';
import {
  useAddMember,
  useApiKeys,
  useAuditLog,
  useChangeRole,
  useCreateApiKey,
  useCredentials,
  useDeleteCredential,
  useMembers,
  useRemoveMember,
  useRevokeApiKey,
  useRole,
  useSaveCredential,
  useSession,
  type Credential,
  type Role,
} from '../api/auth';
import { CardSection } from '../components/card-section';
import { EmptyState } from '../components/empty-state';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { useToast } from '../components/toast-context';
import { dateTime, timeAgo } from '../lib/text';

const ROLES: Array<{ value: Role; label: string; help: string }> = [
  { value: 'viewer', label: 'Viewer', help: 'sees flows, numbers and calls' },
  { value: 'builder', label: 'Builder', help: 'also edits flows and numbers and publishes' },
  { value: 'owner', label: 'Owner', help: 'also manages members, API keys and credentials' },
];

/** The roles as the options of a select; `withHelp` adds what each may do. */
function RoleOptions({ withHelp = false }: { withHelp?: boolean }) {
  return ROLES.map((option) => (
    <option key={option.value} value={option.value}>
      {withHelp ? `${option.label} — ${option.help}` : option.label}
    </option>
  ));
}

const PROVIDERS: Record<Credential['provider'], string> = {
  telnyx: 'Telnyx API key (phone numbers and SIP connections)',
  'telnyx-public-key': 'Telnyx public key (checks that webhooks come from Telnyx)',
  elevenlabs: 'ElevenLabs API key',
  openai: 'OpenAI API key',
  deepgram: 'Deepgram API key',
  llm: 'Language model API key (AI agent steps: any OpenAI-compatible endpoint)',
};

/** `/settings`: members and roles, API keys, provider credentials and the audit log (owners only). */
export function SettingsPage() {
  const role = useRole();
  const session = useSession();
  if (role !== 'owner') {
    return (
      <div className="page">
        <EmptyState title="Settings are for owners">
          You are signed in as {session.data?.user?.email} with the {role} role. Ask an owner of this workspace to change members, API keys or credentials.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Settings</h1>
          <p className="page__lead">Who can use {session.data?.workspace?.name ?? 'this workspace'}, the keys automation uses, and provider credentials.</p>
        </div>
      </div>
      <Members />
      <ApiKeys />
      <Credentials />
      <AuditLog />
    </div>
  );
}

function Members() {
  const members = useMembers();
  const add = useAddMember();
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  const toast = useToast();
  const me = useSession().data?.user;
  const [form, setForm] = useState({ email: '', name: '', password: '', role: 'builder' as Role });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate(form, {
      onSuccess: (member) => {
        toast.show(`${member.email} added as ${member.role}. Tell them their first password.`);
        setForm({ email: '', name: '', password: '', role: 'builder' });
      },
    });
  };
  return (
    <CardSection id="members" title="Members" className="settings-section">
      <QueryView query={members} what="members">
        {(list) => (
          <table className="table">
            <TableHead columns={['Name', 'Email', 'Role']} actions />
            <tbody>
              {list.map((member) => (
                <tr key={member.id} data-member={member.email}>
                  <td>{member.name}</td>
                  <td>{member.email}</td>
                  <td>
                    <select
                      className="input settings-role"
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      onChange={(event) =>
                        changeRole.mutate(
                          { id: member.id, role: event.target.value as Role },
                          { onError: toast.showError, onSuccess: () => toast.show(`${member.email} is now ${event.target.value}.`) },
                        )
                      }
                    >
                      <RoleOptions />
                    </select>
                  </td>
                  <td className="table__actions">
                    {member.id !== me?.id && (
                      <button
                        type="button"
                        className="link-button link-button--danger"
                        aria-label={`Remove ${member.email}`}
                        onClick={() => {
                          if (window.confirm(`Remove ${member.email}? They are signed out at once.`)) remove.mutate(member.id, { onError: toast.showError });
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      <form className="settings-form" onSubmit={submit} aria-label="Add a member">
        <h3>Add a member</h3>
        <div className="settings-form__row">
          <label className="field">
            <span className="field__label">Name</span>
            <input className="input" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </label>
          <label className="field">
            <span className="field__label">Email</span>
            <input className="input" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          </label>
          <label className="field">
            <span className="field__label">First password</span>
            <input className="input" type="password" autoComplete="new-password" required minLength={10} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
            <span className="field__help">At least 10 characters; tell them.</span>
          </label>
          <label className="field">
            <span className="field__label">Role</span>
            <select className="input" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              <RoleOptions withHelp />
            </select>
          </label>
        </div>
        <FormError mutation={add} />
        <button type="submit" className="button button--primary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add member'}
        </button>
      </form>
    </CardSection>
  );
}

/** A failed mutation's message, announced. */
function FormError({ mutation }: { mutation: { isError: boolean; error: unknown } }) {
  return mutation.isError ? (
    <p className="form-error" role="alert">
      {errorMessage(mutation.error)}
    </p>
  ) : null;
}

function ApiKeys() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const toast = useToast();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('builder');
  const [secret, setSecret] = useState<string | undefined>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), role }, { onSuccess: (key) => (setSecret(key.secret), setName('')) });
  };
  return (
    <CardSection id="keys" title="API keys" className="settings-section">
      <p className="muted">
        For scripts and the virtual caller: send <code>Authorization: Bearer &lt;key&gt;</code>. A key is shown once, when it is created.
      </p>
      {secret && (
        <div className="settings-secret" role="status">
          <strong>Copy this key now; it will not be shown again.</strong>
          <code data-testid="new-api-key">{secret}</code>
          <div>
            <button type="button" className="button button--small" onClick={() => void navigator.clipboard?.writeText(secret).then(() => toast.show('Copied.'))}>
              Copy
            </button>{' '}
            <button type="button" className="button button--small" onClick={() => setSecret(undefined)}>
              Done
            </button>
          </div>
        </div>
      )}
      <QueryView query={keys} what="API keys">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No API keys yet.</p>
          ) : (
            <table className="table">
              <TableHead columns={['Name', 'Key', 'Role', 'Last used']} actions />
              <tbody>
                {list.map((key) => (
                  <tr key={key.id} data-api-key={key.name}>
                    <td>{key.name}</td>
                    <td>
                      <code>{key.prefix}…</code>
                    </td>
                    <td>{key.role}</td>
                    <td className="muted">{key.revokedAt ? `revoked ${timeAgo(key.revokedAt)}` : key.lastUsedAt ? timeAgo(key.lastUsedAt) : 'never'}</td>
                    <td className="table__actions">
                      {!key.revokedAt && (
                        <button
                          type="button"
                          className="link-button link-button--danger"
                          aria-label={`Revoke ${key.name}`}
                          onClick={() => {
                            if (window.confirm(`Revoke “${key.name}”? Requests with it are refused from now on.`)) revoke.mutate(key.id, { onError: toast.showError });
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      <form className="settings-form settings-form__row" onSubmit={submit} aria-label="Create an API key">
        <label className="field">
          <span className="field__label">Key name</span>
          <input className="input" required maxLength={120} placeholder="CI dialler" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Role</span>
          <select className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <RoleOptions />
          </select>
        </label>
        <div className="field settings-form__submit">
          <button type="submit" className="button button--primary" disabled={create.isPending || !name.trim()}>
            Create key
          </button>
        </div>
        <FormError mutation={create} />
      </form>
    </CardSection>
  );
}

function Credentials() {
  const credentials = useCredentials();
  const save = useSaveCredential();
  const remove = useDeleteCredential();
  const toast = useToast();
  const [editing, setEditing] = useState<Credential['provider'] | undefined>();
  const [secret, setSecret] = useState('');
  return (
    <CardSection id="credentials" title="Credentials" className="settings-section">
      <p className="muted">Stored encrypted (AES-256-GCM); only the last 4 characters are ever shown again.</p>
      <QueryView query={credentials} what="credentials">
        {(list) => (
          <table className="table">
            <tbody>
              {list.map((credential) => (
                <tr key={credential.provider} data-provider={credential.provider}>
                  <td>{PROVIDERS[credential.provider]}</td>
                  <td>
                    {editing === credential.provider ? (
                      <form
                        className="settings-form__inline"
                        onSubmit={(event) => {
                          event.preventDefault();
                          save.mutate(
                            { provider: credential.provider, secret },
                            { onSuccess: () => (setEditing(undefined), setSecret(''), toast.show('Credential saved.')), onError: toast.showError },
                          );
                        }}
                      >
                        <input className="input" type="password" autoComplete="off" aria-label={PROVIDERS[credential.provider]} value={secret} onChange={(e) => setSecret(e.target.value)} autoFocus />
                        <button type="submit" className="button button--primary button--small" disabled={save.isPending || secret.trim().length < 8}>
                          Save
                        </button>
                        <button type="button" className="button button--small" onClick={() => setEditing(undefined)}>
                          Cancel
                        </button>
                      </form>
                    ) : credential.configured ? (
                      <span>
                        <code>{credential.hint}</code> <span className="muted">set {credential.updatedAt ? timeAgo(credential.updatedAt) : ''} by {credential.updatedBy}</span>
                      </span>
                    ) : (
                      <span className="muted">not set</span>
                    )}
                  </td>
                  <td className="table__actions">
                    {editing !== credential.provider && (
                      <button type="button" className="link-button" onClick={() => (setEditing(credential.provider), setSecret(''))}>
                        {credential.configured ? 'Replace' : 'Set'}
                      </button>
                    )}
                    {credential.configured && editing !== credential.provider && (
                      <button type="button" className="link-button link-button--danger" onClick={() => remove.mutate(credential.provider, { onError: toast.showError })}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </CardSection>
  );
}

function AuditLog() {
  const log = useAuditLog();
  return (
    <CardSection id="audit" title="Audit log" className="settings-section">
      <QueryView query={log} what="the audit log">
        {({ entries }) =>
          entries.length === 0 ? (
            <p className="muted">Nothing yet.</p>
          ) : (
            <table className="table">
              <TableHead columns={['When', 'Who', 'What', 'On']} />
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.id}>
                    <td title={dateTime(entry.occurredAt)}>{timeAgo(entry.occurredAt)}</td>
                    <td>{entry.actor}</td>
                    <td>{entry.action}</td>
                    <td className="muted">{entry.target ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </CardSection>
  );
}
