import { createContext, useContext } from 'react';

/** How a toast looks: information, success or failure. */
export type ToastTone = 'info' | 'success' | 'error';

/** One short message shown for a few seconds. */
export interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

/** What {@link useToast} gives. */
export interface ToastApi {
  show(message: string, tone?: ToastTone): void;
  /** Shows why a request failed (the API's message, or the error's) as an error toast; fits `onError`. */
  showError(error: unknown): void;
}

/** Provided by ToastProvider. */
export const ToastContext = createContext<ToastApi>({ show: () => undefined, showError: () => undefined });

/** Shows short confirmations ("Published version 2") and failures. */
export function useToast(): ToastApi {
  return useContext(ToastContext);
}
