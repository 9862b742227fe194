import { useState, type FormEvent } from 'react';
import type { FlowProblem } from '@switchboard/flow-model';
import { ApiError, errorMessage } from '../api/client';
import { ModalDialog } from '../components/modal-dialog';
import { plural } from '../lib/text';

/** Props of {@link PublishDialog}. */
export interface PublishDialogProps {
  open: boolean;
  /** The number the new version will get. */
  nextVersion: number;
  problems: readonly FlowProblem[];
  onPublish(note: string): Promise<void>;
  onClose(): void;
  /** Shows the problems list instead. */
  onShowProblems(): void;
}

/** Publishing with a note; refuses, and says why, while the flow has problems. */
export function PublishDialog({ open, nextVersion, problems, onPublish, onClose, onShowProblems }: PublishDialogProps) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const close = () => {
    setError(undefined);
    onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onPublish(note);
      setNote('');
      onClose();
    } catch (failure) {
      const details = failure instanceof ApiError && failure.status === 422 && Array.isArray(failure.details) ? (failure.details as FlowProblem[]) : [];
      setError(
        details.length
          ? `The server refused to publish: ${details.map((problem) => (problem.nodeId ? `${problem.nodeId}: ${problem.message}` : problem.message)).join('; ')}`
          : errorMessage(failure),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <ModalDialog title={`Publish version ${nextVersion}`} open={open} onClose={close}>
      {problems.length > 0 ? (
        <>
          <p>
            This flow has {plural(problems.length, 'problem')}. A call could not run it, so it cannot be published until they
            are fixed.
          </p>
          <div className="dialog__actions">
            <button
              type="button"
              className="button button--primary"
              onClick={() => {
                close();
                onShowProblems();
              }}
            >
              Show the problems
            </button>
            <button type="button" className="button" onClick={close}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(event) => void submit(event)}>
          <p>New calls to this flow’s phone numbers use version {nextVersion} as soon as it is published. Calls in progress keep the version they started with.</p>
          <label className="field">
            <span className="field__label">What changed?</span>
            <textarea
              className="input input--textarea"
              rows={3}
              maxLength={500}
              value={note}
              autoFocus
              placeholder="Added a support option"
              onChange={(event) => setNote(event.target.value)}
            />
            <span className="field__help">Shown in the version history. Optional.</span>
          </label>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="dialog__actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Publishing…' : `Publish version ${nextVersion}`}
            </button>
            <button type="button" className="button" onClick={close} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}
