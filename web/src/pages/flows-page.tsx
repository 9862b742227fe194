import { useState } from 'react';
import { Link } from 'react-router';
import { canEdit, useRole } from '../api/auth';
import { useFlows } from '../api/flows';
import { usePhoneTriggers } from '../api/phone-triggers';
import { EmptyState } from '../components/empty-state';
import { QueryView } from '../components/query-view';
import { TableHead } from '../components/table-head';
import { ImportFlowForm } from '../flows/import-flow-form';
import { NewFlowForm } from '../flows/new-flow-form';
import { formatPhoneNumber } from '../phone-numbers/phone-number';
import { dateTime, timeAgo } from '../lib/text';

/** Every flow, with its published version and the numbers that run it; and a way to start a new one. */
export function FlowsPage() {
  const flows = useFlows();
  const triggers = usePhoneTriggers();
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const editable = canEdit(useRole());

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1>Flows</h1>
          <p className="page__lead">A flow is what a caller hears and can do. Draw it, publish it, then give it a phone number.</p>
        </div>
        {!creating && !importing && editable && (
          <div className="page__actions">
            <button type="button" className="button" onClick={() => setImporting(true)}>
              Import
            </button>
            <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
              New flow
            </button>
          </div>
        )}
      </div>
      {creating && <NewFlowForm onCancel={() => setCreating(false)} />}
      {importing && <ImportFlowForm onCancel={() => setImporting(false)} />}
      <QueryView query={flows} what="flows" errorWhat="your flows">
        {(list) =>
          list.length === 0 ? (
            !creating &&
            !importing && (
              <EmptyState
                title="No flows yet"
                action={
                  <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
                    Create your first flow
                  </button>
                }
              >
                Start with an empty canvas: a greeting, a menu, and where each key leads.
              </EmptyState>
            )
          ) : (
            <table className="table">
              <TableHead columns={['Name', 'Live version', 'Phone numbers', 'Last edited']} />
              <tbody>
                {list.map((flow) => {
                  const numbers = (triggers.data ?? []).filter((trigger) => trigger.flowId === flow.id);
                  return (
                    <tr key={flow.id}>
                      <td>
                        <Link className="table__primary-link" to={`/flows/${flow.id}`}>
                          {flow.name}
                        </Link>
                      </td>
                      <td>{flow.latestVersion ? <span className="pill pill--ok">v{flow.latestVersion}</span> : <span className="pill">Not published</span>}</td>
                      <td>{numbers.length ? numbers.map((trigger) => formatPhoneNumber(trigger.phoneNumber)).join(', ') : <span className="muted">None</span>}</td>
                      <td title={dateTime(flow.updatedAt)}>{timeAgo(flow.updatedAt)}</td>
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
