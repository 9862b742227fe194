/**
 * The live call event stream (`/api/live`, docs/events.md): one WebSocket for the whole app. It
 * reconnects by itself and resumes after the last event it saw, so a page never misses an event
 * and never sees one twice. Each event also updates the cached call it belongs to.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { queryKeys } from './query-keys';
import type { CallDetail, LiveEventMessage } from './types';

/** Whether the stream is connected. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

interface LiveEventsApi {
  status: LiveStatus;
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  subscribe(listener: (message: LiveEventMessage) => void): () => void;
}

const LiveEventsContext = createContext<LiveEventsApi>({ status: 'connecting', subscribe: () => () => undefined });

const MAX_RETRY_MS = 10_000;

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<(message: LiveEventMessage) => void>());
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [api] = useState<Omit<LiveEventsApi, 'status'>>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    let socket: WebSocket | undefined;
    let lastId: number | undefined;
    let stopped = false;
    let retryMs = 500;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const deliver = (message: LiveEventMessage) => {
      // Keep a cached call detail in step, so its page updates without asking the API.
      queryClient.setQueryData<CallDetail>(queryKeys.call(message.event.callId), (call) => {
        if (!call) return call;
        const { id: _id, callId: _callId, ...event } = message.event;
        const events = call.events.some((known) => known.seq === event.seq) ? call.events : [...call.events, event].sort((a, b) => a.seq - b.seq);
        return { ...call, ...message.call, events };
      });
      // The end brings what events do not carry: final variables and recordings.
      if (message.event.type === 'callEnded') void queryClient.invalidateQueries({ queryKey: queryKeys.call(message.event.callId), exact: true });
      for (const listener of listeners.current) listener(message);
    };

    const open = () => {
      const url = new URL('/api/live', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      if (lastId !== undefined) url.searchParams.set('after', String(lastId));
      const current = new WebSocket(url);
      socket = current;
      current.onopen = () => {
        retryMs = 500;
        setStatus('live');
      };
      current.onmessage = (raw) => {
        const message = JSON.parse(String(raw.data)) as { type: string; after?: number } | LiveEventMessage;
        if (message.type === 'ready') {
          lastId ??= (message as { after: number }).after;
          return;
        }
        if (message.type !== 'event') return;
        const live = message as LiveEventMessage;
        if (lastId !== undefined && live.event.id <= lastId) return;
        lastId = live.event.id;
        deliver(live);
      };
      current.onclose = () => {
        if (stopped) return;
        setStatus('reconnecting');
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [queryClient]);

  return <LiveEventsContext.Provider value={{ status, subscribe: api.subscribe }}>{children}</LiveEventsContext.Provider>;
}

/** The stream's connection state. */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveEventsContext).status;
}

/** Runs `listener` for each live event while the component is mounted. */
export function useLiveEvents(listener: (message: LiveEventMessage) => void): void {
  const { subscribe } = useContext(LiveEventsContext);
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => subscribe((message) => latest.current(message)), [subscribe]);
}
