import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { ToastContext, type Toast, type ToastTone } from './toast-context';

const TOAST_MS = 4000;
/** At most this many toasts at once; the oldest makes way. */
const MAX_TOASTS = 2;

/** Holds the toasts and shows them in a polite live region at the bottom of the screen. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const show = useCallback(
    (message: string, tone: ToastTone = 'info') => {
      const id = Date.now() + Math.random();
      setToasts((all) => [...all.slice(-(MAX_TOASTS - 1)), { id, message, tone }]);
      window.setTimeout(() => dismiss(id), TOAST_MS);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ show, showError: (error: unknown) => show(errorMessage(error), 'error') }), [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast--${toast.tone}`}>
            <span>{toast.message}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
