/** Saves the draft a moment after each change, one request at a time, retrying when the API is away. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { isTransient, errorMessage } from '../api/client';
import { saveDraft } from '../api/flows';
import { queryKeys } from '../api/query-keys';
import type { FlowDocument } from './model/flow-document';

/** Where the draft stands relative to the server. */
export type SaveStatus = 'saved' | 'pending' | 'saving' | 'error';

/** What the save indicator shows. */
export interface SaveState {
  status: SaveStatus;
  /** Why the last save failed. */
  error?: string;
  /** When the next automatic attempt is due after a failure (ms since epoch). */
  retryAt?: number;
}

const DEBOUNCE_MS = 600;
const MAX_RETRY_MS = 30_000;

const serialize = (doc: FlowDocument) => JSON.stringify({ graph: doc.graph, layout: doc.layout, name: doc.name.trim() || 'Untitled flow' });

/**
 * Autosaves `doc` as the draft of `flowId` (`savedDoc`: what the server has). `flush()` saves now
 * and resolves once the server has the current document (publishing calls it first); it rejects
 * when the save fails.
 */
export function useAutosave(flowId: string, doc: FlowDocument, savedDoc: FlowDocument): { state: SaveState; flush(doc?: FlowDocument): Promise<void> } {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SaveState>({ status: 'saved' });
  const latest = useRef(serialize(doc));
  const saved = useRef(serialize(savedDoc));
  const inFlight = useRef<Promise<void> | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const failures = useRef(0);
  latest.current = serialize(doc);

  const saveNow = useCallback(async (): Promise<void> => {
    window.clearTimeout(timer.current);
    while (inFlight.current) await inFlight.current.catch(() => undefined);
    const body = latest.current;
    if (body === saved.current) {
      setState({ status: 'saved' });
      return;
    }
    setState({ status: 'saving' });
    const attempt = (async () => {
      try {
        const flow = await saveDraft(flowId, JSON.parse(body) as Parameters<typeof saveDraft>[1]);
        saved.current = body;
        failures.current = 0;
        // The next visit to this flow starts from what was saved.
        queryClient.setQueryData(queryKeys.flow(flowId), flow);
        void queryClient.invalidateQueries({ queryKey: queryKeys.flows, exact: true });
        if (latest.current === body) setState({ status: 'saved' });
        else {
          setState({ status: 'pending' });
          timer.current = window.setTimeout(() => void saveNow().catch(() => undefined), DEBOUNCE_MS);
        }
      } catch (error) {
        failures.current += 1;
        if (isTransient(error)) {
          const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** failures.current);
          setState({ status: 'error', error: errorMessage(error), retryAt: Date.now() + delay });
          timer.current = window.setTimeout(() => void saveNow().catch(() => undefined), delay);
        } else {
          setState({ status: 'error', error: errorMessage(error) });
        }
        throw error;
      }
    })();
    inFlight.current = attempt;
    try {
      await attempt;
    } finally {
      inFlight.current = null;
    }
  }, [flowId, queryClient]);

  const body = latest.current;
  useEffect(() => {
    if (body === saved.current) return;
    setState((current) => (current.status === 'error' || current.status === 'saving' ? current : { status: 'pending' }));
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void saveNow().catch(() => undefined), DEBOUNCE_MS);
  }, [body, saveNow]);

  // Leaving the page with unsaved work: the browser asks first; leaving the editor saves at once.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (latest.current !== saved.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (latest.current !== saved.current) void saveNow().catch(() => undefined);
      window.clearTimeout(timer.current);
    };
  }, [saveNow]);

  // Given a document (one just set, not yet rendered), that document is what gets saved.
  const flush = useCallback(
    (next?: FlowDocument) => {
      if (next) latest.current = serialize(next);
      return saveNow();
    },
    [saveNow],
  );
  return { state, flush };
}
