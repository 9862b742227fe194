import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client';
import { useSetRetention, useWorkspace } from '../api/workspace';
import { ModalDialog } from '../components/modal-dialog';
import { useToast } from '../components/toast-context';

/**
 * "Data retention…": how many days this workspace keeps call data. Older calls are deleted with their
 * events, recordings and Temporal histories by the hourly retention schedule (docs/privacy.md).
 */
export function RetentionDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const workspace = useWorkspace();
  const update = useSetRetention();
  const toast = useToast();
  const current = workspace.data?.settings.retentionDays ?? null;
  const [days, setDays] = useState<string>();
  const [error, setError] = useState<string>();
  const value = days ?? (current === null ? '' : String(current));
  const close = () => {
    setDays(undefined);
    setError(undefined);
    onClose();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = value.trim();
    const parsed = trimmed === '' ? null : Number(trimmed);
    if (parsed !== null && (!Number.isInteger(parsed) || parsed < 1 || parsed > 3650)) {
      setError('Enter a whole number of days from 1 to 3650, or leave it empty to keep calls for good.');
      return;
    }
    try {
      await update.mutateAsync(parsed);
      toast.show(parsed === null ? 'Calls are kept for good.' : `Calls older than ${parsed} days will be deleted.`, 'success');
      close();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };
  return (
    <ModalDialog title="Data retention" open={open} onClose={close}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p>
          Calls older than this are deleted for good, with their events, transcripts, recordings and Temporal histories. The check runs every hour.
        </p>
        <label className="field">
          <span className="field__label">Keep call data for (days)</span>
          <input className="input" type="number" min={1} max={3650} value={value} placeholder="Forever" onChange={(event) => setDays(event.target.value)} />
          <span className="field__help">Leave empty to keep calls until they are erased.</span>
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" disabled={update.isPending || workspace.isLoading}>
            {update.isPending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button" onClick={close} disabled={update.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
