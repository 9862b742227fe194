import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../api/client';
import { useImportFlow, type FlowImportResult, type ImportReportLine } from '../api/flows';
import { TableHead } from '../components/table-head';

/** Files larger than this are refused before reading (the API takes bodies up to 1 MB). */
const MAX_FILE_BYTES = 1_000_000;

const OUTCOMES: Record<ImportReportLine['outcome'], { label: string; pill: string }> = {
  converted: { label: 'Converted', pill: 'pill pill--ok' },
  merged: { label: 'Folded in', pill: 'pill pill--start' },
  note: { label: 'Note', pill: 'pill' },
  placeholder: { label: 'Placeholder', pill: 'pill pill--call-failed' },
  skipped: { label: 'Left out', pill: 'pill' },
};

/** The JSON text as a value, or where it stops being JSON. */
function readJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `This is not JSON: ${(error as Error).message}` };
  }
}

/**
 * Imports a Twilio Studio flow: paste its JSON or choose the exported file, see what was converted
 * and what must be replaced, then open the new draft.
 */
export function ImportFlowForm({ onCancel }: { onCancel: () => void }) {
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();
  const [result, setResult] = useState<FlowImportResult>();
  const importFlow = useImportFlow();
  const navigate = useNavigate();

  const chooseFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setProblem(`${file.name} is ${(file.size / 1_000_000).toFixed(1)} MB; a Studio export to import is at most 1 MB`);
      return;
    }
    setProblem(undefined);
    setText(await file.text());
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return setProblem('Paste the flow’s JSON, or choose the file Studio exported');
    const parsed = readJson(text);
    if ('error' in parsed) return setProblem(parsed.error);
    setProblem(undefined);
    importFlow.mutate({ definition: parsed.value, ...(name.trim() ? { name: name.trim() } : {}) }, { onSuccess: setResult });
  };

  if (result) return <ImportReport result={result} onOpen={() => void navigate(`/flows/${result.flow.id}`)} onClose={onCancel} />;

  return (
    <form className="card import-flow" onSubmit={submit} noValidate aria-labelledby="import-flow-title">
      <h2 id="import-flow-title">Import from Twilio Studio</h2>
      <p className="muted">
        In Studio, open the flow and choose <strong>Export to JSON</strong> (in the Trigger widget’s menu), or fetch its definition from Studio’s REST API. The import
        becomes a new draft; nothing is published.
      </p>
      <label className="field">
        <span className="field__label">Studio export file</span>
        <input className="input" type="file" accept=".json,application/json" onChange={(event) => void chooseFile(event)} />
      </label>
      <label className="field">
        <span className="field__label">Or paste the JSON</span>
        <textarea
          className="input import-flow__json"
          rows={10}
          spellCheck={false}
          value={text}
          placeholder='{ "description": "IVR", "states": [ … ], "initial_state": "Trigger" }'
          aria-invalid={problem ? true : undefined}
          aria-describedby="import-flow-error"
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      <label className="field">
        <span className="field__label">Flow name (optional)</span>
        <input className="input" value={name} maxLength={120} placeholder="The Studio flow’s name" onChange={(event) => setName(event.target.value)} />
      </label>
      {problem && (
        <p id="import-flow-error" className="form-error" role="alert">
          {problem}
        </p>
      )}
      {importFlow.isError && (
        <p className="form-error" role="alert">
          {errorMessage(importFlow.error)}
        </p>
      )}
      <div className="new-flow__actions">
        <button type="submit" className="button button--primary" disabled={importFlow.isPending}>
          {importFlow.isPending ? 'Importing…' : 'Import'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** What the import did, widget by widget, with the way to the draft. */
function ImportReport({ result, onOpen, onClose }: { result: FlowImportResult; onOpen: () => void; onClose: () => void }) {
  const { report, flow } = result;
  const problems = flow.draftProblems?.length ?? 0;
  return (
    <section className="card import-report" aria-labelledby="import-report-title">
      <h2 id="import-report-title">Imported “{flow.name}”</h2>
      <p className="import-report__totals">
        <span className="pill pill--ok">{report.converted} converted</span> <span className="pill pill--call-failed">{report.placeholders} to replace</span>{' '}
        <span className="pill">{report.skipped} left out</span> <span className="muted">of {report.widgets} Studio widgets</span>
      </p>
      <p>
        {report.placeholders > 0
          ? `The draft has ${report.placeholders} placeholder step${report.placeholders === 1 ? '' : 's'} (grey, marked “Replace”): replace them before publishing.`
          : problems > 0
            ? `The draft has ${problems} problem${problems === 1 ? '' : 's'} to fix before publishing; the canvas lists them.`
            : 'The draft is complete: test it, then publish it.'}
      </p>
      <table className="table import-report__lines">
        <TableHead columns={['Studio widget', 'Outcome', 'Details']} />
        <tbody>
          {report.lines.map((line, index) => (
            <tr key={index} data-outcome={line.outcome}>
              <td>
                <code>{line.widget}</code>
                <div className="muted">{line.widgetType}</div>
              </td>
              <td>
                <span className={OUTCOMES[line.outcome].pill}>{OUTCOMES[line.outcome].label}</span>
              </td>
              <td>{line.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="new-flow__actions">
        <button type="button" className="button button--primary" onClick={onOpen}>
          Open the draft
        </button>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
