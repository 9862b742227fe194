/** Compare two versions (or a version and the draft): steps added, removed and changed, and connections. */
import { useMemo, useState } from 'react';
import { useFlowVersion } from '../../api/flows';
import type { DraftGraph, FlowVersionSummary } from '../../api/types';
import { humanize } from '../../lib/text';
import { diffFlows, isSameFlow, type FlowDiff } from '../model/diff';

type Side = number | 'draft';

const parseSide = (value: string): Side => (value === 'draft' ? 'draft' : Number(value));
const nameOf = (graph: DraftGraph | undefined, id: string) => {
  const node = graph?.nodes.find((n) => n.id === id);
  return node?.label?.trim() || id;
};
const shorten = (text: string | undefined) => (text === undefined ? '(none)' : text.length > 80 ? `${text.slice(0, 79)}…` : text);

export function VersionCompare({ flowId, versions, draft }: { flowId: string; versions: readonly FlowVersionSummary[]; draft: DraftGraph }) {
  const [from, setFrom] = useState<Side>(versions[1]?.version ?? versions[0]?.version ?? 'draft');
  const [to, setTo] = useState<Side>(versions.length > 1 ? (versions[0]?.version ?? 'draft') : 'draft');
  const fromVersion = useFlowVersion(flowId, from === 'draft' ? undefined : from);
  const toVersion = useFlowVersion(flowId, to === 'draft' ? undefined : to);
  const fromGraph = from === 'draft' ? draft : (fromVersion.data?.graph as DraftGraph | undefined);
  const toGraph = to === 'draft' ? draft : (toVersion.data?.graph as DraftGraph | undefined);
  const diff = useMemo(() => (fromGraph && toGraph ? diffFlows(fromGraph, toGraph) : undefined), [fromGraph, toGraph]);
  const label = (side: Side) => (side === 'draft' ? 'the draft' : `version ${side}`);

  const options = (
    <>
      {versions.map((version) => (
        <option key={version.version} value={version.version}>
          Version {version.version}
        </option>
      ))}
      <option value="draft">Draft</option>
    </>
  );
  return (
    <section className="compare" aria-label="Compare versions">
      <h3 className="inspector__heading">Compare</h3>
      <div className="compare__pick">
        <select className="input" aria-label="Compare from" value={String(from)} onChange={(event) => setFrom(parseSide(event.target.value))}>
          {options}
        </select>
        <span className="muted">with</span>
        <select className="input" aria-label="Compare with" value={String(to)} onChange={(event) => setTo(parseSide(event.target.value))}>
          {options}
        </select>
      </div>
      {!diff ? (
        <p className="muted">Loading…</p>
      ) : isSameFlow(diff) ? (
        <p className="muted" data-testid="compare-same">
          No differences: {label(from)} and {label(to)} are the same flow.
        </p>
      ) : (
        <DiffList diff={diff} before={fromGraph} after={toGraph} />
      )}
    </section>
  );
}

function DiffList({ diff, before, after }: { diff: FlowDiff; before: DraftGraph | undefined; after: DraftGraph | undefined }) {
  return (
    <ul className="compare__list" aria-label="Differences">
      {diff.start && (
        <li className="compare__item compare__item--changed">
          Starts at <strong>{nameOf(after, diff.start.after)}</strong> instead of {nameOf(before, diff.start.before)}
        </li>
      )}
      {diff.added.map((node) => (
        <li key={`+${node.id}`} className="compare__item compare__item--added">
          Added <strong>{node.label?.trim() || node.id}</strong> <span className="muted">({humanize(node.type)})</span>
        </li>
      ))}
      {diff.removed.map((node) => (
        <li key={`-${node.id}`} className="compare__item compare__item--removed">
          Removed <strong>{node.label?.trim() || node.id}</strong> <span className="muted">({humanize(node.type)})</span>
        </li>
      ))}
      {diff.changed.map(({ node, changes }) => (
        <li key={`~${node.id}`} className="compare__item compare__item--changed">
          Changed <strong>{node.label?.trim() || node.id}</strong>
          <ul className="compare__changes">
            {changes.map((change) => (
              <li key={change.path}>
                <span className="compare__path">{change.path}</span>: <del>{shorten(change.before)}</del> → <ins>{shorten(change.after)}</ins>
              </li>
            ))}
          </ul>
        </li>
      ))}
      {diff.connected.map((edge) => (
        <li key={`c${edge.from}${edge.exit}${edge.to}`} className="compare__item compare__item--added">
          Connected {nameOf(after, edge.from)} ({edge.exit}) → {nameOf(after, edge.to)}
        </li>
      ))}
      {diff.disconnected.map((edge) => (
        <li key={`d${edge.from}${edge.exit}${edge.to}`} className="compare__item compare__item--removed">
          Disconnected {nameOf(before, edge.from)} ({edge.exit}) → {nameOf(before, edge.to)}
        </li>
      ))}
    </ul>
  );
}
