import { useId, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { useAddDoNotCall, useDoNotCallList, useRemoveDoNotCall } from '../api/do-not-call';
import { EmptyState } from '../components/empty-state';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { useToast } from '../components/toast-context';
import { checkPhoneNumber, formatPhoneNumber } from '../phone-numbers/phone-number';

/**
 * `/numbers/blocked`: the workspace's block / do-not-call list. Calls from a listed number are
 * refused before the flow answers (or routed, per number: `callerChecks.doNotCall.action`).
 */
export function DoNotCallPage() {
  const list = useDoNotCallList();
  const add = useAddDoNotCall();
  const remove = useRemoveDoNotCall();
  const toast = useToast();
  const id = useId();
  const [number, setNumber] = useState('');
  const [note, setNote] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<string | undefined>();

  const phone = checkPhoneNumber(number);
  const numberError = !phone.ok ? phone.message : (list.data ?? []).some((entry) => entry.phoneNumber === phone.e164) ? 'This number is already blocked.' : undefined;
  const shownError = submitted ? (numberError ?? serverError) : serverError;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setServerError(undefined);
    if (numberError || !phone.ok) return;
    add.mutate(
      { phoneNumber: phone.e164, ...(note.trim() ? { note: note.trim() } : {}) },
      {
        onSuccess: (entry) => {
          toast.show(`${formatPhoneNumber(entry.phoneNumber)} blocked.`, 'success');
          setNumber('');
          setNote('');
          setSubmitted(false);
        },
        onError: (error) => setServerError(error instanceof ApiError && error.code === 'alreadyListed' ? 'This number is already blocked.' : errorMessage(error)),
      },
    );
  };
  const unblock = (entryId: string, phoneNumber: string) =>
    remove.mutate(entryId, {
      onSuccess: () => toast.show(`${formatPhoneNumber(phoneNumber)} unblocked.`),
      onError: toast.showError,
    });

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Blocked callers</h1>
          <p className="page__lead">Calls from these numbers are refused before any flow answers (a number's caller checks can route them instead).</p>
        </div>
      </div>
      <form className="card trigger-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>Block a number</h2>
        <div className="trigger-form__grid">
          <div className={`field${shownError ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor={`${id}-number`}>
              Phone number
            </label>
            <input
              id={`${id}-number`}
              className="input"
              type="tel"
              autoComplete="off"
              value={number}
              placeholder="+1 415 555 0100"
              aria-invalid={shownError ? true : undefined}
              aria-describedby={`${id}-number-help`}
              onChange={(event) => setNumber(event.target.value)}
            />
            <div id={`${id}-number-help`} className={shownError ? 'field__error' : 'field__help'} role={shownError ? 'alert' : undefined}>
              {shownError ?? (phone.ok ? `Saved as ${phone.e164}` : 'International format: + and the country code.')}
            </div>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-note`}>
              Note
            </label>
            <input id={`${id}-note`} className="input" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} />
            <div className="field__help">Why it is blocked. Optional.</div>
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={add.isPending}>
            Block number
          </button>
        </div>
      </form>
      <QueryView query={list} what="blocked callers">
        {(entries) =>
          entries.length === 0 ? (
            <EmptyState title="No blocked callers">Numbers you block here can no longer reach any of your flows.</EmptyState>
          ) : (
            <table className="table" aria-label="Blocked callers">
              <TableHead columns={['Number', 'Note', 'Blocked']} actions />
              <tbody>
                {entries.map((entry) => {
                  const formatted = formatPhoneNumber(entry.phoneNumber);
                  return (
                    <tr key={entry.id} data-number={entry.phoneNumber}>
                      <td className="table__number">{formatted}</td>
                      <td className="muted">{entry.note ?? ''}</td>
                      <td className="muted">{new Date(entry.createdAt).toLocaleString()}</td>
                      <td className="table__actions">
                        <button type="button" className="link-button link-button--danger" onClick={() => unblock(entry.id, entry.phoneNumber)} aria-label={`Unblock ${formatted}`}>
                          Unblock
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </div>
  );
}
