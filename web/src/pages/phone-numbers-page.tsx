import { useState } from 'react';
import { Link } from 'react-router';
import { canEdit, useRole } from '../api/auth';
import { errorMessage } from '../api/client';
import { useFlows } from '../api/flows';
import { useDeletePhoneTrigger, usePhoneTriggers, useSavePhoneTrigger } from '../api/phone-triggers';
import type { PhoneTrigger } from '../api/types';
import { EmptyState } from '../components/empty-state';
import { ErrorPanel } from '../components/error-panel';
import { LoadingPanel } from '../components/loading-panel';
import { TableHead } from '../components/table-head';
import { useToast } from '../components/toast-context';
import { formatPhoneNumber } from '../phone-numbers/phone-number';
import { PhoneTriggerForm } from '../phone-numbers/phone-trigger-form';
import { describeSettings } from '../phone-numbers/trigger-settings';

/** `/numbers`: which flow each phone number runs, whether it answers, and its settings. */
export function PhoneNumbersPage() {
  const triggers = usePhoneTriggers();
  const flows = useFlows();
  const save = useSavePhoneTrigger();
  const remove = useDeletePhoneTrigger();
  const toast = useToast();
  const [editing, setEditing] = useState<PhoneTrigger | 'new' | undefined>();
  const editable = canEdit(useRole());

  const toggle = (trigger: PhoneTrigger) =>
    save.mutate(
      { id: trigger.id, input: { phoneNumber: trigger.phoneNumber, flowId: trigger.flowId, enabled: !trigger.enabled, settings: trigger.settings } },
      { onError: (error) => toast.show(`Could not change ${formatPhoneNumber(trigger.phoneNumber)}: ${errorMessage(error)}`, 'error') },
    );
  const confirmDelete = (trigger: PhoneTrigger) => {
    if (!window.confirm(`Remove ${formatPhoneNumber(trigger.phoneNumber)}? Calls to it will no longer run a flow.`)) return;
    remove.mutate(trigger.id, {
      onSuccess: () => toast.show(`${formatPhoneNumber(trigger.phoneNumber)} removed.`),
      onError: toast.showError,
    });
  };

  const loading = triggers.isPending || flows.isPending;
  const failed = triggers.isError ? triggers : flows.isError ? flows : undefined;
  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Phone numbers</h1>
          <p className="page__lead">Each number runs the latest published version of its flow when it is called.</p>
        </div>
        {editable && !editing && !loading && !failed && (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} disabled={!flows.data?.length}>
            Add number
          </button>
        )}
      </div>
      {loading ? (
        <LoadingPanel what="phone numbers" />
      ) : failed ? (
        <ErrorPanel what="phone numbers" error={failed.error} onRetry={() => void Promise.all([triggers.refetch(), flows.refetch()])} />
      ) : (
        <>
          {editing && (
            <PhoneTriggerForm
              key={editing === 'new' ? 'new' : editing.id}
              trigger={editing === 'new' ? undefined : editing}
              flows={flows.data ?? []}
              takenNumbers={(triggers.data ?? []).map((t) => t.phoneNumber)}
              onDone={() => setEditing(undefined)}
            />
          )}
          {flows.data?.length === 0 ? (
            <EmptyState
              title="Make a flow first"
              action={
                <Link className="button button--primary" to="/flows">
                  Go to flows
                </Link>
              }
            >
              A phone number runs a flow, so you need one before adding a number.
            </EmptyState>
          ) : triggers.data?.length === 0 ? (
            !editing && (
              <EmptyState
                title="No phone numbers yet"
                action={
                  <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
                    Add your first number
                  </button>
                }
              >
                Give a flow a number, and every call to it runs the flow.
              </EmptyState>
            )
          ) : (
            <table className="table">
              <TableHead columns={['Number', 'Runs flow', 'Answers calls', 'Settings']} actions />
              <tbody>
                {(triggers.data ?? []).map((trigger) => {
                  const flow = flows.data?.find((f) => f.id === trigger.flowId);
                  const number = formatPhoneNumber(trigger.phoneNumber);
                  return (
                    <tr key={trigger.id} data-number={trigger.phoneNumber}>
                      <td className="table__number">{number}</td>
                      <td>
                        {flow ? <Link to={`/flows/${flow.id}`}>{flow.name}</Link> : <span className="muted">Unknown flow</span>}
                        {flow && !flow.latestVersion && <span className="pill pill--warn">Not published</span>}
                      </td>
                      <td>
                        <label className="switch">
                          <input
                            type="checkbox"
                            role="switch"
                            checked={trigger.enabled}
                            disabled={!editable}
                            aria-label={`${number} answers calls`}
                            onChange={() => toggle(trigger)}
                          />
                          <span>{trigger.enabled ? 'On' : 'Off'}</span>
                        </label>
                      </td>
                      <td className="muted">{describeSettings(trigger.settings)}</td>
                      <td className="table__actions">
                        {editable && (
                          <>
                            <button type="button" className="link-button" onClick={() => setEditing(trigger)} aria-label={`Edit ${number}`}>
                              Edit
                            </button>
                            <button type="button" className="link-button link-button--danger" onClick={() => confirmDelete(trigger)} aria-label={`Remove ${number}`}>
                              Remove
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}
