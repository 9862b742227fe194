import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useCreateFlow } from '../api/flows';
import { errorMessage } from '../api/client';

/** Names a new flow and opens it on an empty canvas. */
export function NewFlowForm({ onCancel }: { onCancel: () => void }) {
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useCreateFlow();
  const navigate = useNavigate();
  const problem = name.trim() ? undefined : 'Name the flow, e.g. “Main line”';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    create.mutate(
      { name: name.trim(), graph: { start: '', nodes: [], edges: [] }, layout: { nodes: {} } },
      { onSuccess: (flow) => void navigate(`/flows/${flow.id}`) },
    );
  };

  return (
    <form className="card new-flow" onSubmit={submit} noValidate>
      <label className="field">
        <span className="field__label">Flow name</span>
        <input
          className="input"
          autoFocus
          value={name}
          maxLength={120}
          placeholder="Main line"
          aria-invalid={touched && problem ? true : undefined}
          aria-describedby="new-flow-error"
          onChange={(event) => setName(event.target.value)}
        />
        {touched && problem && (
          <span id="new-flow-error" className="field__error">
            {problem}
          </span>
        )}
      </label>
      {create.isError && <p className="form-error" role="alert">{errorMessage(create.error)}</p>}
      <div className="new-flow__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create and open'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
