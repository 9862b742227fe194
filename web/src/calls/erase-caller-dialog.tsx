import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client';
import { useEraseCaller } from '../api/privacy';
import { ModalDialog } from '../components/modal-dialog';
import { useToast } from '../components/toast-context';
import { plural } from '../lib/text';

/**
 * "Erase caller…": deletes every call from a number with its events, transcripts, recordings and
 * Temporal histories (POST /api/privacy/erase), after the operator types the number and confirms.
 */
export function EraseCallerDialog({ open, onClose, initialNumber = '' }: { open: boolean; onClose: () => void; initialNumber?: string }) {
  const [number, setNumber] = useState(initialNumber);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<string>();
  const erase = useEraseCaller();
  const toast = useToast();
  const close = () => {
    setConfirmed(false);
    setError(undefined);
    onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const report = await erase.mutateAsync(number.trim());
      toast.show(`Erased ${plural(report.calls, 'call')}, ${plural(report.recordings, 'recording')} and ${plural(report.workflowsDeleted, 'workflow history', 'workflow histories')}`, 'success');
      setNumber('');
      close();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };
  return (
    <ModalDialog title="Erase a caller" open={open} onClose={close}>
      <form onSubmit={(event) => void submit(event)}>
        <p>
          Deletes every call from this number in this workspace: its events and transcripts, its recordings and voicemail, and its Temporal
          workflow histories. This cannot be undone. The audit log keeps a hash of the number, not the number.
        </p>
        <label className="field">
          <span className="field__label">Caller’s number</span>
          <input className="input" value={number} autoFocus inputMode="tel" placeholder="+1 415 555 0199" onChange={(event) => setNumber(event.target.value)} />
        </label>
        <label className="field field--check">
          <input type="checkbox" checked={confirmed} onChange={(event) => setConfirmed(event.target.checked)} />
          <span>I understand that this caller’s data is deleted for good</span>
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__actions">
          <button type="submit" className="button button--danger" disabled={erase.isPending || !confirmed || number.trim() === ''}>
            {erase.isPending ? 'Erasing…' : 'Erase caller'}
          </button>
          <button type="button" className="button" onClick={close} disabled={erase.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
