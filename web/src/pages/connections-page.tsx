/**
 * `/connections`: the Telnyx account calls come in through. Credentials (write-only once saved),
 * a connection test, the account's numbers and SIP connections with what is not set up yet, and a
 * setup guide with this deployment's webhook URL.
 */
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client';
import type { SecretStatus, TelnyxConnectionTest } from '../../../lib/contracts/api-responses';
import { testTelnyxConnection, useSaveTelnyxCredentials, useTelnyxAccount, useTelnyxCredentials } from '../api/telnyx';
import { CardSection } from '../components/card-section';
import { ErrorPanel } from '../components/error-panel';
import { LoadingPanel } from '../components/loading-panel';
import { QueryView } from '../components/query-view';
import { useToast } from '../components/toast-context';
import { formatPhoneNumber } from '../phone-numbers/phone-number';

function SecretState({ status }: { status: SecretStatus }) {
  if (!status.set) return <span className="pill">Not set</span>;
  return (
    <span className="pill pill--ok">
      Saved {status.hint}
      {status.source === 'environment' ? ' (from the server’s environment)' : ''}
    </span>
  );
}

export function ConnectionsPage() {
  const credentials = useTelnyxCredentials();
  const save = useSaveTelnyxCredentials();
  const account = useTelnyxAccount(credentials.data?.apiKey.set === true);
  const toast = useToast();
  const [apiKey, setApiKey] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [test, setTest] = useState<TelnyxConnectionTest | { ok: false; error: { message: string } } | undefined>();
  const [testing, setTesting] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    const changes = { ...(apiKey.trim() ? { apiKey: apiKey.trim() } : {}), ...(publicKey.trim() ? { publicKey: publicKey.trim() } : {}) };
    if (Object.keys(changes).length === 0) {
      setFieldErrors({ apiKey: 'Paste a new API key or public key to save.' });
      return;
    }
    save.mutate(changes, {
      onSuccess: () => {
        setApiKey('');
        setPublicKey('');
        setTest(undefined);
        toast.show('Telnyx credentials saved.', 'success');
      },
      onError: (error) => {
        if (error instanceof ApiError && Array.isArray(error.details)) {
          setFieldErrors(Object.fromEntries((error.details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message.replace(/^\w+: /, '')])));
        }
      },
    });
  };
  const remove = (key: 'apiKey' | 'publicKey') => {
    if (!window.confirm('Remove the saved key? The server’s environment key (if any) applies again.')) return;
    save.mutate({ [key]: null }, { onSuccess: () => toast.show('Removed.') });
  };
  const runTest = async () => {
    setTesting(true);
    try {
      setTest(await testTelnyxConnection());
    } catch (failure) {
      setTest({ ok: false, error: { message: errorMessage(failure) } });
    } finally {
      setTesting(false);
    }
  };

  if (credentials.isPending) return <LoadingPanel what="connections" />;
  if (credentials.isError) return <ErrorPanel what="connections" error={credentials.error} onRetry={() => void credentials.refetch()} />;
  const status = credentials.data;

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Connections</h1>
          <p className="page__lead">Calls reach Switchboard through a Telnyx account: a SIP connection sends them to LiveKit, webhooks tell us when they end.</p>
        </div>
      </div>

      <div className="connections">
        <form className="card" onSubmit={submit} aria-labelledby="telnyx-credentials-title" noValidate>
          <h2 id="telnyx-credentials-title">Telnyx credentials</h2>
          <p className="muted">Saved keys are never shown again; paste a new one to replace it.</p>
          <div className={`field${fieldErrors.apiKey ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor="telnyx-api-key">
              API key <SecretState status={status.apiKey} />
            </label>
            <input
              id="telnyx-api-key"
              className="input input--mono"
              type="password"
              autoComplete="off"
              value={apiKey}
              placeholder={status.apiKey.set ? 'Paste a new key to replace the saved one' : 'KEY0…'}
              onChange={(event) => setApiKey(event.target.value)}
            />
            <div className={fieldErrors.apiKey ? 'field__error' : 'field__help'}>{fieldErrors.apiKey ?? 'Mission Control → Account settings → Keys & credentials → API keys.'}</div>
            {status.apiKey.source === 'workspace' && (
              <button type="button" className="link-button" onClick={() => remove('apiKey')}>
                Remove the saved API key
              </button>
            )}
          </div>
          <div className={`field${fieldErrors.publicKey ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor="telnyx-public-key">
              Public key <SecretState status={status.publicKey} />
            </label>
            <input
              id="telnyx-public-key"
              className="input input--mono"
              type="password"
              autoComplete="off"
              value={publicKey}
              placeholder={status.publicKey.set ? 'Paste a new key to replace the saved one' : 'Base64, 44 characters'}
              onChange={(event) => setPublicKey(event.target.value)}
            />
            <div className={fieldErrors.publicKey ? 'field__error' : 'field__help'}>
              {fieldErrors.publicKey ?? 'Checks that webhooks really come from Telnyx. Mission Control → Keys & credentials → Public key.'}
            </div>
          </div>
          {save.isError && !(save.error instanceof ApiError && save.error.status === 400) && (
            <p className="form-error" role="alert">
              {errorMessage(save.error)}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button--primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="button" onClick={() => void runTest()} disabled={testing || !status.apiKey.set}>
              {testing ? 'Testing…' : 'Test connection'}
            </button>
          </div>
          {test && (
            <p className={test.ok ? 'connections__test is-ok' : 'connections__test is-bad'} role="status" data-testid="telnyx-test">
              {test.ok ? 'Connected: Telnyx accepted the API key.' : `Telnyx refused: ${test.error.message}`}
            </p>
          )}
        </form>

        <CardSection id="telnyx-setup" title="Set up Telnyx">
          <ol className="setup-guide">
            <li>Create an API key and copy the public key in Mission Control, and save both here.</li>
            <li>
              Create a <strong>SIP connection</strong> (FQDN) pointing at your LiveKit SIP host, port 5060.
            </li>
            <li>
              Set the connection’s webhook URL (API v2) to
              <span className="setup-guide__url">
                <code data-testid="webhook-url">{status.webhookUrl}</code>
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => void navigator.clipboard?.writeText(status.webhookUrl).then(() => toast.show('Webhook URL copied.'))}
                >
                  Copy
                </button>
              </span>
            </li>
            <li>Assign your numbers to that connection, then add them under Phone numbers with a flow.</li>
          </ol>
        </CardSection>
      </div>

      <CardSection id="telnyx-account" title="Account">
        {!status.apiKey.set ? (
          <p className="muted">Save an API key to see the account’s numbers and SIP connections.</p>
        ) : (
          <QueryView query={account} what="the Telnyx account">
            {(data) => (
              <>
                <h3 className="section-title">SIP connections</h3>
                {data.connections.length === 0 ? (
                  <p className="muted">No SIP connections yet: create one (step 2 of the guide).</p>
                ) : (
                  <ul className="sip-connections" aria-label="SIP connections">
                    {data.connections.map((connection) => (
                      <li key={connection.id} className="sip-connection" data-connection-id={connection.id}>
                        <div className="sip-connection__head">
                          <strong>{connection.name || connection.id}</strong>
                          <span className="muted"> · {connection.type === 'fqdn' ? 'FQDN' : 'credentials'} · id {connection.id}</span>
                          {connection.problems.length === 0 ? <span className="pill pill--ok">Ready</span> : <span className="pill pill--warn">Needs setup</span>}
                        </div>
                        {connection.fqdns.length > 0 && <div className="muted">Sends calls to {connection.fqdns.map((f) => `${f.fqdn}${f.port ? `:${f.port}` : ''}`).join(', ')}</div>}
                        {connection.problems.map((problem) => (
                          <div key={problem} className="field__warning">
                            {problem}
                          </div>
                        ))}
                      </li>
                    ))}
                  </ul>
                )}
                <h3 className="section-title">Numbers</h3>
                {data.numbers.length === 0 ? (
                  <p className="muted">The account has no numbers yet.</p>
                ) : (
                  <table className="table" aria-label="Telnyx numbers">
                    <thead>
                      <tr>
                        <th>Number</th>
                        <th>Status</th>
                        <th>Connection</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.numbers.map((number) => (
                        <tr key={number.id}>
                          <td>{formatPhoneNumber(number.phoneNumber)}</td>
                          <td>{number.status}</td>
                          <td>{number.connectionName ?? number.connectionId ?? <span className="muted">none</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            )}
          </QueryView>
        )}
      </CardSection>
    </div>
  );
}
