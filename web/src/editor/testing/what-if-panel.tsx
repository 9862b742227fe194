/**
 * "What if": before publishing, replay the flow's recent real calls against the draft (or a
 * version) and see which callers would now take another path, and where it parts. Click a call to
 * draw its new path (or the one it took) on the canvas.
 */
import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/client';
import type { TestCallVersion } from '../../api/test-calls';
import { fetchWhatIf, startWhatIf, type ReplayOutcome, type WhatIfCall, type WhatIfReport } from '../../api/what-if';
import { endReasonText } from '../../calls/call-events';
import { dateTime } from '../../lib/text';
import type { TestCallPanelProps } from './test-call-panel';

const OUTCOMES: Record<ReplayOutcome, { label: string; pill: string }> = {
  samePath: { label: 'Same path', pill: 'pill pill--ok' },
  differentPath: { label: 'Different path', pill: 'pill pill--warn' },
  endedDifferently: { label: 'Ended differently', pill: 'pill pill--warn' },
  couldNotReplay: { label: 'Could not replay', pill: 'pill pill--call-failed' },
};

/** A local date-time input's value as an ISO instant, or undefined when empty. */
const isoOf = (value: string) => (value ? new Date(value).toISOString() : undefined);

export function WhatIfPanel({ flowId, draftProblems, latestVersion, steps, onTrace }: TestCallPanelProps) {
  const [choice, setChoice] = useState<TestCallVersion>(draftProblems === 0 ? 'draft' : (latestVersion ?? 'draft'));
  const [limit, setLimit] = useState('20');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [runId, setRunId] = useState<string>();
  const [report, setReport] = useState<WhatIfReport>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<{ callId: string; which: 'replay' | 'original' }>();
  // Steps of the recorded path may be gone from the version replayed against.
  const name = (id: string | null | undefined) => (id ? (steps.get(id)?.label ?? `${id} (removed)`) : 'the end of the call');

  // Poll the run until it is done.
  useEffect(() => {
    if (!runId) return;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await fetchWhatIf(flowId, runId);
        if (stopped) return;
        setReport(next);
        if (next.status === 'running') setTimeout(() => void poll(), 700);
      } catch (failure) {
        if (!stopped) setError(errorMessage(failure));
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [flowId, runId]);

  const line = report?.calls.find((call) => call.callId === selected?.callId);
  useEffect(() => {
    if (!line || !selected) return onTrace(undefined);
    const visited = selected.which === 'replay' ? line.replayPath : line.originalPath;
    onTrace({ current: undefined, visited, taken: [] });
  }, [line, selected, onTrace]);
  useEffect(() => () => onTrace(undefined), [onTrace]);

  const count = Number(limit);
  const limitError = Number.isInteger(count) && count >= 1 && count <= 200 ? undefined : 'Replay between 1 and 200 calls';
  const run = async () => {
    setError(undefined);
    setReport(undefined);
    setSelected(undefined);
    try {
      const started = await startWhatIf(flowId, { version: choice, limit: count, ...(isoOf(from) ? { from: isoOf(from) } : {}), ...(isoOf(to) ? { to: isoOf(to) } : {}) });
      setRunId(started.runId);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };

  const running = report?.status === 'running' || (runId !== undefined && !report && !error);
  return (
    <section className="what-if" aria-label="What if">
      <p className="muted test-call__intro">
        Replays recent real calls of this flow — what each caller pressed and said, in order — against the version you choose, without audio. Nothing is recorded as a call.
      </p>
      <label className="field__label" htmlFor="what-if-version">
        Replay against
      </label>
      <select id="what-if-version" className="input" value={String(choice)} onChange={(event) => setChoice(event.target.value === 'draft' ? 'draft' : Number(event.target.value))}>
        <option value="draft" disabled={draftProblems > 0}>
          The draft{draftProblems > 0 ? ' (fix its problems first)' : ''}
        </option>
        {latestVersion !== undefined && <option value={latestVersion}>Published version {latestVersion}</option>}
      </select>
      <label className="field__label" htmlFor="what-if-limit">
        The most recent calls
      </label>
      <input id="what-if-limit" className="input" type="number" min={1} max={200} value={limit} onChange={(event) => setLimit(event.target.value)} aria-invalid={limitError ? true : undefined} />
      <div className="what-if__range">
        <label className="field__label">
          From (optional)
          <input className="input" type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label className="field__label">
          To (optional)
          <input className="input" type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
      </div>
      {limitError && (
        <p className="form-error" role="alert">
          {limitError}
        </p>
      )}
      <button type="button" className="button button--primary test-call__run" onClick={() => void run()} disabled={running || Boolean(limitError) || (choice === 'draft' && draftProblems > 0)}>
        {running ? 'Replaying…' : 'Replay calls'}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <div className="what-if__report" data-testid="what-if-report">
          <progress className="what-if__progress" max={report.total} value={report.done} aria-label="Calls replayed" />
          <p className="what-if__totals">
            {report.done} of {report.total} replayed{report.status === 'failed' ? ' · the run failed' : ''}
          </p>
          <p className="what-if__totals">
            {(Object.keys(OUTCOMES) as ReplayOutcome[]).map((outcome) => (
              <span key={outcome} className={OUTCOMES[outcome].pill} data-outcome-total={outcome}>
                {report.totals[outcome]} {OUTCOMES[outcome].label.toLowerCase()}
              </span>
            ))}
          </p>
          <ol className="what-if__calls" aria-label="Replayed calls">
            {report.calls.map((call) => (
              <WhatIfLine key={call.callId} call={call} name={name} selected={selected?.callId === call.callId ? selected.which : undefined} onSelect={(which) => setSelected({ callId: call.callId, which })} />
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

function WhatIfLine({ call, name, selected, onSelect }: { call: WhatIfCall; name: (id: string | null | undefined) => string; selected: 'replay' | 'original' | undefined; onSelect(which: 'replay' | 'original'): void }) {
  return (
    <li className={`what-if__call${selected ? ' is-selected' : ''}`} data-call-id={call.callId} data-outcome={call.outcome}>
      <div className="what-if__call-head">
        <span className={OUTCOMES[call.outcome].pill}>{OUTCOMES[call.outcome].label}</span>
        <span className="muted">{call.startedAt ? dateTime(call.startedAt) : call.callId}</span>
      </div>
      {call.parted && (
        <p className="what-if__parted">
          After <strong>{name(call.parted.after ?? undefined)}</strong>: went to {name(call.parted.original)}, now goes to <strong>{name(call.parted.replay)}</strong>
        </p>
      )}
      {call.outcome === 'endedDifferently' && (
        <p className="what-if__parted">
          Ended “{endReasonText(call.originalEnd)}”, now “{endReasonText(call.replayEnd)}”
        </p>
      )}
      {call.reason && <p className="what-if__parted">{call.reason}</p>}
      <div className="what-if__show">
        <button type="button" className={`button button--small${selected === 'replay' ? ' is-active' : ''}`} onClick={() => onSelect('replay')}>
          Show new path
        </button>
        <button type="button" className={`button button--small${selected === 'original' ? ' is-active' : ''}`} onClick={() => onSelect('original')}>
          Show recorded path
        </button>
      </div>
    </li>
  );
}
