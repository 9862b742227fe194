import type { FlowProblem } from '@switchboard/flow-model';
import { Icon, icons } from '../../components/icon';
import { plural } from '../../lib/text';
import type { FlowDocument } from '../model/flow-document';

/** Props of {@link ProblemsList}. */
export interface ProblemsListProps {
  doc: FlowDocument;
  problems: readonly FlowProblem[];
  /** Shows the node (or setting) a problem is about. */
  onFocus(problem: FlowProblem): void;
}

/** What the shared validator says is wrong, each entry a button that takes you there. */
export function ProblemsList({ doc, problems, onFocus }: ProblemsListProps) {
  const nodeName = (id: string | undefined) => {
    if (id === undefined) return 'Flow';
    const node = doc.graph.nodes.find((n) => n.id === id);
    return node?.label?.trim() || id;
  };
  return (
    <section className="problems" aria-labelledby="problems-title">
      <h2 id="problems-title" className="side-title">
        Problems{' '}
        <span className={`count${problems.length ? ' count--bad' : ' count--ok'}`} data-testid="problem-count">
          {problems.length}
        </span>
      </h2>
      {problems.length === 0 ? (
        <p className="problems__ok">
          <Icon path={icons.check} /> No problems: ready to publish.
        </p>
      ) : (
        <>
          <p className="problems__summary">{plural(problems.length, 'thing')} to fix before this flow can be published.</p>
          <ul className="problems__list">
            {problems.map((problem, index) => (
              <li key={`${problem.code}-${problem.nodeId ?? ''}-${problem.field ?? ''}-${index}`}>
                <button type="button" className="problems__item" onClick={() => onFocus(problem)}>
                  <span className="problems__where">
                    {nodeName(problem.nodeId)}
                    {problem.field && problem.nodeId !== undefined ? <span className="problems__field"> · {problem.field}</span> : null}
                  </span>
                  <span className="problems__message">{problem.message}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
