/**
 * "Scripted run": the flow's real call workflow, with no audio. The builder writes what the caller
 * does at each step that waits for them, and how each HTTP request is answered; the run's path is
 * drawn on the canvas and what the flow said is listed.
 */
import { useEffect, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { runTestScript, type ScriptedHttpResponse, type ScriptedInput, type ScriptedModelAnswer, type TestCallVersion, type TestRunResult } from '../../api/test-calls';
import { endReasonText } from '../../calls/call-events';
import type { TestCallPanelProps } from './test-call-panel';
import { traceFromEvents } from './trace';

/** One input per line: `2`, `say: I want sales`, `silence`, `hang up`. */
export function parseInputs(text: string): { inputs: ScriptedInput[]; error?: string } {
  const inputs: ScriptedInput[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const say = /^say\s*:\s*(.+)$/i.exec(line);
    if (/^[0-9*#]+$/.test(line)) inputs.push({ digits: line });
    else if (say?.[1]) inputs.push({ say: say[1].trim() });
    else if (/^silence$/i.test(line)) inputs.push({ silence: true });
    else if (/^hang\s*up$/i.test(line)) inputs.push({ hangUp: true });
    else return { inputs, error: `Caller line ${index + 1}: “${line}” is not keys, “say: …”, “silence” or “hang up”` };
  }
  return { inputs };
}

/** One answer per line: `200 {"name":"Ada"}`, `404`, `error: timed out`. */
export function parseHttpResponses(text: string): { responses: ScriptedHttpResponse[]; error?: string } {
  const responses: ScriptedHttpResponse[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const failure = /^error\s*:\s*(.+)$/i.exec(line);
    if (failure?.[1]) {
      responses.push({ error: failure[1].trim() });
      continue;
    }
    const answer = /^(\d{3})(?:\s+(.+))?$/.exec(line);
    if (!answer) return { responses, error: `HTTP line ${index + 1}: start with a status such as 200, or write “error: …”` };
    const status = Number(answer[1]);
    if (!answer[2]) {
      responses.push({ status });
      continue;
    }
    try {
      responses.push({ status, body: JSON.parse(answer[2]) as unknown });
    } catch {
      return { responses, error: `HTTP line ${index + 1}: the body after the status is not valid JSON` };
    }
  }
  return { responses };
}

/**
 * AI agent model answers, one per line: words, then tool calls after `|`:
 * `Tuesday, great. What hour? | set_field day=tuesday`, `Booked. | set_field hour=10 | finish booked`,
 * `error: timed out`.
 */
export function parseModelAnswers(text: string): { answers: ScriptedModelAnswer[]; error?: string } {
  const answers: ScriptedModelAnswer[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const failure = /^error\s*:\s*(.+)$/i.exec(line);
    if (failure?.[1]) {
      answers.push({ error: failure[1].trim() });
      continue;
    }
    const [words = '', ...calls] = line.split('|').map((part) => part.trim());
    const tools: Array<{ name: string; arguments: Record<string, unknown> }> = [];
    for (const call of calls) {
      const field = /^set_field\s+([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(call);
      const finish = /^finish\s+([A-Za-z][A-Za-z0-9_-]*)$/.exec(call);
      if (field?.[1] && field[2]) tools.push({ name: 'set_field', arguments: { name: field[1], value: field[2].trim() } });
      else if (finish?.[1]) tools.push({ name: 'finish', arguments: { outcome: finish[1] } });
      else return { answers, error: `Model line ${index + 1}: “${call}” is not “set_field name=value” or “finish outcome”` };
    }
    answers.push({ ...(words ? { say: words } : {}), tools });
  }
  return { answers };
}

export function ScriptedRunPanel({ flowId, draftProblems, latestVersion, steps, onTrace }: TestCallPanelProps) {
  const [choice, setChoice] = useState<TestCallVersion>(draftProblems === 0 ? 'draft' : (latestVersion ?? 'draft'));
  const [inputsText, setInputsText] = useState('');
  const [httpText, setHttpText] = useState('');
  const [modelText, setModelText] = useState('');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [result, setResult] = useState<TestRunResult | undefined>();
  const inputs = useMemo(() => parseInputs(inputsText), [inputsText]);
  const http = useMemo(() => parseHttpResponses(httpText), [httpText]);
  const model = useMemo(() => parseModelAnswers(modelText), [modelText]);
  const trace = useMemo(() => (result ? traceFromEvents(result.events) : undefined), [result]);
  useEffect(() => onTrace(trace), [onTrace, trace]);
  useEffect(() => () => onTrace(undefined), [onTrace]);

  const run = async () => {
    setRunning(true);
    setError(undefined);
    try {
      setResult(await runTestScript(flowId, { version: choice, inputs: inputs.inputs, httpResponses: http.responses, modelAnswers: model.answers }));
    } catch (failure) {
      setResult(undefined);
      setError(failure instanceof ApiError ? failure.message : errorMessage(failure));
    } finally {
      setRunning(false);
    }
  };

  const scriptError = inputs.error ?? http.error ?? model.error;
  const canCallDraft = draftProblems === 0;
  return (
    <section className="scripted-run" aria-label="Scripted run">
      <p className="muted test-call__intro">Runs the flow as a call, without audio: each step that waits for the caller takes the next caller line.</p>
      <label className="field__label" htmlFor="scripted-run-version">
        Run
      </label>
      <select id="scripted-run-version" className="input" value={String(choice)} onChange={(event) => setChoice(event.target.value === 'draft' ? 'draft' : Number(event.target.value))}>
        <option value="draft" disabled={!canCallDraft}>
          The draft{canCallDraft ? '' : ' (fix its problems first)'}
        </option>
        {latestVersion !== undefined && <option value={latestVersion}>Published version {latestVersion}</option>}
      </select>
      <label className="field__label" htmlFor="scripted-run-inputs">
        The caller, one line per step
      </label>
      <textarea
        id="scripted-run-inputs"
        className="input input--textarea input--mono"
        rows={4}
        placeholder={'2\nsay: I want to leave a message\nsilence\nhang up'}
        value={inputsText}
        onChange={(event) => setInputsText(event.target.value)}
      />
      <p className="field__help">Keys (2), words (say: …), silence, or hang up. When the lines run out, the caller stays silent.</p>
      <label className="field__label" htmlFor="scripted-run-http">
        HTTP answers, in order
      </label>
      <textarea
        id="scripted-run-http"
        className="input input--textarea input--mono"
        rows={2}
        placeholder={'200 {"customer": {"name": "Ada"}}\nerror: timed out'}
        value={httpText}
        onChange={(event) => setHttpText(event.target.value)}
      />
      <p className="field__help">A status and an optional JSON body, or “error: reason”. A request with no line left fails.</p>
      <label className="field__label" htmlFor="scripted-run-model">
        AI agent answers, in order
      </label>
      <textarea
        id="scripted-run-model"
        className="input input--textarea input--mono"
        rows={2}
        placeholder={'Tuesday, great. What hour? | set_field day=tuesday\nBooked. | set_field hour=10 | finish booked'}
        value={modelText}
        onChange={(event) => setModelText(event.target.value)}
      />
      <p className="field__help">What the model says, then its tool calls after “|” (set_field name=value, finish outcome), or “error: reason”. A turn with no line left fails (the step’s error exit).</p>
      {scriptError && (
        <p className="form-error" role="alert">
          {scriptError}
        </p>
      )}
      <button type="button" className="button button--primary test-call__run" onClick={() => void run()} disabled={running || Boolean(scriptError) || (choice === 'draft' && !canCallDraft)}>
        {running ? 'Running…' : 'Run'}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="scripted-run__result" data-testid="scripted-run-result">
          <p>
            <strong>{result.endReason ? endReasonText(result.endReason) : 'Did not finish'}</strong>
            {result.error ? ` · ${result.error}` : ''}
          </p>
          <h3 className="test-call__heading">Path taken</h3>
          <ol className="scripted-run__path" aria-label="Path taken">
            {result.path.map((id, index) => (
              <li key={`${index}-${id}`}>{steps.get(id)?.label ?? id}</li>
            ))}
          </ol>
          <h3 className="test-call__heading">The flow said</h3>
          <ol className="scripted-run__heard" aria-label="The flow said">
            {result.heard.map((text, index) => (
              <li key={index}>{text}</li>
            ))}
          </ol>
          {(result.unusedInputs > 0 || result.unusedHttpResponses > 0) && (
            <p className="muted">
              Not used: {[result.unusedInputs ? `${result.unusedInputs} caller line(s)` : '', result.unusedHttpResponses ? `${result.unusedHttpResponses} HTTP answer(s)` : ''].filter(Boolean).join(' and ')}.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
