/**
 * "Test call": the browser calls the flow. It joins a new LiveKit room as the caller with the
 * microphone, hears the flow through the speakers, and sends keys from an on-screen keypad (DTMF).
 * The call's events arrive over the live stream; the transcript shows here, the path on the canvas.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Room, RoomEvent, Track, type RemoteTrack } from 'livekit-client';
import { startTestCall, type TestCallVersion } from '../../api/test-calls';
import { useLiveEvents } from '../../api/live-events';
import type { CallEvent } from '../../api/types';
import { endReasonText, transcript } from '../../calls/call-events';
import { Icon, icons } from '../../components/icon';
import { ApiError } from '../../api/client';
import { traceFromEvents, type FlowTrace } from './trace';

type Phase = 'idle' | 'starting' | 'live' | 'ended';

/** What the caller is expected to do at a step of this type. */
const WAITS_FOR: Record<string, string> = {
  menu: 'listen, then press a key (or say the option)',
  listen: 'speak into your microphone',
  recordVoicemail: 'leave a message after the beep',
};

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
/** RFC 4733 event code of a key, as LiveKit SIP sends it. */
const dtmfCode = (key: string) => (key === '*' ? 10 : key === '#' ? 11 : Number(key));

/** Seq of the latest nodeEntered of `nodeId`. */
function lastEntered(events: readonly CallEvent[], nodeId: string): number {
  let seq = -1;
  for (const event of events) if (event.type === 'nodeEntered' && event.nodeId === nodeId) seq = event.seq;
  return seq;
}

export interface TestCallPanelProps {
  flowId: string;
  /** Problems in the draft: it cannot be called until they are fixed. */
  draftProblems: number;
  /** The newest published version, if any. */
  latestVersion: number | undefined;
  /** Step id → name and type, for the "now at" line. */
  steps: ReadonlyMap<string, { label: string; type: string; says?: string }>;
  onTrace(trace: FlowTrace | undefined): void;
}

export function TestCallPanel({ flowId, draftProblems, latestVersion, steps, onTrace }: TestCallPanelProps) {
  const [choice, setChoice] = useState<TestCallVersion>(latestVersion ?? 'draft');
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<string | undefined>();
  const [callId, setCallId] = useState<string | undefined>();
  const [events, setEvents] = useState<CallEvent[]>([]);
  const [pressed, setPressed] = useState('');
  const room = useRef<Room | undefined>(undefined);
  const audio = useRef<HTMLDivElement>(null);
  // Events of test calls seen before the API said which call is ours.
  const early = useRef(new Map<string, CallEvent[]>());
  const ownCall = useRef<string | undefined>(undefined);

  useLiveEvents((message) => {
    const { callId: id, id: _id, ...event } = message.event;
    if (!id.startsWith('test-')) return;
    if (ownCall.current === id) {
      setEvents((current) => (current.some((known) => known.seq === event.seq) ? current : [...current, event].sort((a, b) => a.seq - b.seq)));
    } else if (phase === 'starting') {
      early.current.set(id, [...(early.current.get(id) ?? []), event]);
    }
  });

  const trace = useMemo(() => (callId ? traceFromEvents(events) : undefined), [callId, events]);
  useEffect(() => onTrace(trace), [onTrace, trace]);
  useEffect(() => () => onTrace(undefined), [onTrace]);
  const ended = events.find((event) => event.type === 'callEnded');

  const hangUp = useCallback(() => {
    const current = room.current;
    room.current = undefined;
    void current?.disconnect();
  }, []);

  // The flow ended the call: leave the room too.
  useEffect(() => {
    if (ended) {
      hangUp();
      setPhase('ended');
    }
  }, [ended, hangUp]);

  // Leaving the editor (or closing the panel) hangs up.
  useEffect(() => hangUp, [hangUp]);

  const start = async () => {
    hangUp();
    setError(undefined);
    setEvents([]);
    setPressed('');
    setCallId(undefined);
    ownCall.current = undefined;
    early.current.clear();
    setPhase('starting');
    try {
      const call = await startTestCall(flowId, choice);
      ownCall.current = call.callId;
      setCallId(call.callId);
      setEvents(early.current.get(call.callId) ?? []);
      const next = new Room();
      room.current = next;
      next.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
        if (track.kind !== Track.Kind.Audio) return;
        const element = track.attach();
        element.dataset.testCallAudio = 'flow';
        audio.current?.appendChild(element);
      });
      next.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => track.detach().forEach((element) => element.remove()));
      next.on(RoomEvent.Disconnected, () => {
        if (room.current === next) room.current = undefined;
        setPhase('ended');
      });
      await next.connect(call.liveKitUrl, call.token);
      await next.localParticipant.setMicrophoneEnabled(true);
      setPhase('live');
    } catch (failure) {
      hangUp();
      setPhase('idle');
      if (failure instanceof ApiError) setError(failure.message);
      else if (failure instanceof Error && failure.name === 'NotAllowedError') setError('The browser did not allow the microphone. Allow it for this site and try again.');
      else setError(`Could not join the call: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };

  const press = (key: string) => {
    const participant = room.current?.localParticipant;
    if (!participant || phase !== 'live') return;
    setPressed((keys) => (keys + key).slice(-16));
    void participant.publishDtmf(dtmfCode(key), key);
  };

  // While on the call, the keyboard's digit, * and # keys press the keypad (not while typing in a field).
  const pressRef = useRef(press);
  pressRef.current = press;
  useEffect(() => {
    if (phase !== 'live') return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      if (/^[0-9*#]$/.test(event.key)) {
        event.preventDefault();
        pressRef.current(event.key);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [phase]);

  const lines = transcript(events);
  // A step's prompt is in the events once it has played (a menu's once the caller answered): until
  // then, show what the step is saying.
  const currentId = trace?.current;
  const speaking =
    phase === 'live' && currentId && !events.some((event) => event.nodeId === currentId && event.type === 'promptPlayed' && event.seq > lastEntered(events, currentId))
      ? steps.get(currentId)?.says
      : undefined;
  const current = trace?.current ? steps.get(trace.current) : undefined;
  const waitsFor = current ? WAITS_FOR[current.type] : undefined;
  const canCallDraft = draftProblems === 0;
  const busy = phase === 'starting' || phase === 'live';

  return (
    <section className="test-call" aria-label="Test call">
      <p className="muted test-call__intro">Call this flow from the browser: talk into your microphone and press keys on the keypad.</p>

      <div className="test-call__setup">
        <label className="field__label" htmlFor="test-call-version">
          Call
        </label>
        <select
          id="test-call-version"
          className="input"
          value={String(choice)}
          disabled={busy}
          onChange={(event) => setChoice(event.target.value === 'draft' ? 'draft' : Number(event.target.value))}
        >
          {latestVersion !== undefined && <option value={latestVersion}>Published version {latestVersion}</option>}
          <option value="draft" disabled={!canCallDraft}>
            The draft{canCallDraft ? '' : ' (fix its problems first)'}
          </option>
        </select>
        {phase === 'live' || phase === 'starting' ? (
          <button type="button" className="button button--danger" onClick={hangUp} disabled={phase === 'starting'}>
            <Icon path={icons.phone} /> Hang up
          </button>
        ) : (
          <button type="button" className="button button--primary" onClick={() => void start()} disabled={choice === 'draft' && !canCallDraft}>
            <Icon path={icons.phone} /> {phase === 'ended' ? 'Call again' : 'Start test call'}
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}

      <div className="test-call__status" data-testid="test-call-status" aria-live="polite">
        {phase === 'idle' && !error && <span className="muted">Not in a call.</span>}
        {phase === 'starting' && <span>Connecting…</span>}
        {phase === 'live' && (
          <span>
            <span className="live-dot" aria-hidden="true" /> On the call
            {current ? (
              <>
                {' '}
                · at <strong>{current.label}</strong>
                {waitsFor ? <span className="muted"> · {waitsFor}</span> : null}
              </>
            ) : null}
          </span>
        )}
        {phase === 'ended' && <span>Call ended{ended ? `: ${endReasonText(String(ended.data.reason ?? '')).toLowerCase()}` : ''}.</span>}
      </div>

      <div className="keypad" role="group" aria-label="Keypad">
        {KEYS.map((key) => (
          <button key={key} type="button" className="keypad__key" onClick={() => press(key)} disabled={phase !== 'live'} aria-label={`Key ${key}`}>
            {key}
          </button>
        ))}
      </div>
      <div className="keypad__pressed muted" aria-label="Keys pressed">
        {pressed ? `Pressed: ${pressed}` : phase === 'live' ? 'Click a key, or type it.' : ' '}
      </div>

      <h3 className="test-call__heading">Transcript</h3>
      {lines.length === 0 && !speaking ? (
        <p className="muted">{phase === 'live' || phase === 'starting' ? 'Waiting for the flow to speak…' : 'What the flow says and what you press appears here.'}</p>
      ) : (
        <ol className="transcript transcript--compact" aria-label="Test call transcript">
          {lines.map((line) => (
            <li key={line.seq} className={`transcript__line transcript__line--${line.speaker}${line.note ? ' is-note' : ''}`} data-speaker={line.speaker}>
              <span className="transcript__who">{line.speaker === 'caller' ? 'You' : 'Flow'}</span>
              <span className="transcript__text">{line.text}</span>
            </li>
          ))}
          {speaking && (
            <li className="transcript__line transcript__line--system is-note" data-speaker="system" aria-live="polite">
              <span className="transcript__who">Flow</span>
              <span className="transcript__text">{speaking} …</span>
            </li>
          )}
        </ol>
      )}
      {callId && (
        <p className="muted test-call__link">
          <a href={`/calls/${encodeURIComponent(callId)}`} target="_blank" rel="noreferrer">
            Open this call’s timeline
          </a>
        </p>
      )}
      <div ref={audio} hidden />
    </section>
  );
}
