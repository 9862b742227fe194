import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useReactFlow } from '@xyflow/react';
import type { FlowProblem } from '@switchboard/flow-model';
import { publishFlow, useFlowVersion, useFlowVersions } from '../api/flows';
import { queryKeys } from '../api/query-keys';
import type { DraftGraph, Flow, FlowVersion } from '../api/types';
import { useToast } from '../components/toast-context';
import { FlowCanvas } from './canvas/flow-canvas';
import { toCanvasEdges, toCanvasNodes } from './canvas/to-canvas';
import { readClipboard, writeClipboard } from './clipboard-store';
import { EditorHeader, type PublishState } from './editor-header';
import { findFieldElement } from './form/field-path';
import { FlowInspector } from './inspector/flow-inspector';
import { NodeInspector } from './inspector/node-inspector';
import { SelectionInspector } from './inspector/selection-inspector';
import { autoLayout, estimatedSize, type NodeSize } from './model/auto-layout';
import { copyNodes, pasteNodes } from './model/clipboard';
import { exitsOf } from './model/exits';
import {
  addNode,
  connect,
  documentFromDraft,
  moveNodes,
  removeElements,
  rename,
  unplacedNodes,
  type FlowDocument,
  type Position,
} from './model/flow-document';
import { canonicalJson, checkDraft, unconnectedExits } from './model/problems';
import { exitLabel } from './node-types';
import { Palette } from './panels/palette';
import { ProblemsList } from './panels/problems-list';
import { VersionHistory } from './panels/version-history';
import { TestPanel } from './testing/test-panel';
import type { FlowTrace } from './testing/trace';
import { PublishDialog } from './publish-dialog';
import { useAutosave } from './use-autosave';
import { useEditorShortcuts } from './use-editor-shortcuts';
import { NO_SELECTION, useFlowDocument } from './use-flow-document';

/** Vertical gap between a step and one added under it. */
const STEP_GAP = 70;

/** Lays out nodes that have no position yet (drafts made through the API). */
function withPositions(doc: FlowDocument): FlowDocument {
  const missing = unplacedNodes(doc);
  if (missing.length === 0) return doc;
  const laid = autoLayout(doc);
  return moveNodes(doc, Object.fromEntries(missing.map((id) => [id, laid[id] ?? { x: 0, y: 0 }])));
}

/**
 * The editor: palette and problems on the left, the canvas in the middle, the selected step (or the
 * versions) on the right. Owns the document, its autosave, publishing and the shortcuts.
 */
export function FlowWorkspace({ flow }: { flow: Flow }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const reactFlow = useReactFlow();
  const savedDoc = useMemo(() => documentFromDraft(flow.name, flow.draftGraph, flow.draftLayout), [flow]);
  const editor = useFlowDocument(() => withPositions(savedDoc));
  const { doc, edit, selection, select } = editor;
  const autosave = useAutosave(flow.id, doc, savedDoc);
  const problems = useMemo(() => checkDraft(doc.graph), [doc.graph]);
  const [measured, setMeasured] = useState<ReadonlyMap<string, NodeSize>>(new Map());
  const [rightPanel, setRightPanel] = useState<'inspect' | 'versions' | 'test'>('inspect');
  const [trace, setTrace] = useState<FlowTrace | undefined>();
  const [publishOpen, setPublishOpen] = useState(false);
  const [pendingFocus, setPendingFocus] = useState<{ nodeId?: string; field?: string } | undefined>();
  const pointer = useRef<Position | null>(null);
  const canvasArea = useRef<HTMLDivElement>(null);

  const nodes = useMemo(() => toCanvasNodes(doc, problems, selection, measured, trace), [doc, problems, selection, measured, trace]);
  const edges = useMemo(() => toCanvasEdges(doc, problems, selection, trace), [doc, problems, selection, trace]);
  const steps = useMemo(
    () =>
      new Map(
        doc.graph.nodes.map((node) => {
          const config = (node.config ?? {}) as Record<string, unknown>;
          const says = [config.text, config.prompt, config.farewell, config.announcement].find((value): value is string => typeof value === 'string' && value.trim() !== '');
          return [node.id, { label: node.label?.trim() || node.id, type: node.type, ...(says ? { says } : {}) }];
        }),
      ),
    [doc.graph.nodes],
  );

  const onMeasured = useCallback((sizes: ReadonlyMap<string, NodeSize>) => {
    setMeasured((current) => new Map([...current, ...sizes]));
  }, []);

  // Published state: is the draft what calls run?
  const versions = useFlowVersions(flow.id);
  const latest = versions.data?.[0]?.version;
  const latestVersion = useFlowVersion(flow.id, latest);
  const publishState: PublishState = useMemo(() => {
    if (versions.isPending) return { kind: 'loading' };
    if (latest === undefined) return { kind: 'never' };
    if (!latestVersion.data) return { kind: 'live', version: latest, changed: false };
    const same = problems.flow !== undefined && canonicalJson(problems.flow) === canonicalJson(latestVersion.data.graph);
    return { kind: 'live', version: latest, changed: !same };
  }, [versions.isPending, latest, latestVersion.data, problems.flow]);

  const selectedNode = selection.nodes.length === 1 ? doc.graph.nodes.find((node) => node.id === selection.nodes[0]) : undefined;
  const freeExit = selectedNode ? unconnectedExits(doc.graph, selectedNode.id, exitsOf(selectedNode))[0] : undefined;

  const sizeOf = useCallback(
    (id: string): NodeSize => {
      const node = doc.graph.nodes.find((n) => n.id === id);
      return measured.get(id) ?? estimatedSize(node ? exitsOf(node).length : 1);
    },
    [doc.graph.nodes, measured],
  );

  /** The middle of the visible canvas, nudged so repeated adds do not stack exactly. */
  const freeSpotInView = useCallback((): Position => {
    const bounds = canvasArea.current?.getBoundingClientRect();
    const center = bounds
      ? reactFlow.screenToFlowPosition({ x: bounds.left + bounds.width / 2, y: bounds.top + bounds.height / 2 })
      : { x: 0, y: 0 };
    const spot = { x: center.x - 120, y: center.y - 60 };
    const taken = Object.values(doc.layout.nodes);
    while (taken.some((p) => Math.abs(p.x - spot.x) < 24 && Math.abs(p.y - spot.y) < 24)) {
      spot.x += 32;
      spot.y += 32;
    }
    return spot;
  }, [doc.layout.nodes, reactFlow]);

  /** Pans (keeping the zoom) so a node placed at `position` is in view. */
  const revealPosition = useCallback(
    (position: Position, size: NodeSize) => {
      const bounds = canvasArea.current?.getBoundingClientRect();
      if (!bounds) return;
      const topLeft = reactFlow.screenToFlowPosition({ x: bounds.left, y: bounds.top });
      const bottomRight = reactFlow.screenToFlowPosition({ x: bounds.right, y: bounds.bottom });
      const inside =
        position.x >= topLeft.x && position.y >= topLeft.y && position.x + size.width <= bottomRight.x && position.y + size.height <= bottomRight.y;
      if (!inside) void reactFlow.setCenter(position.x + size.width / 2, position.y + size.height / 2, { zoom: reactFlow.getZoom(), duration: 250 });
    },
    [reactFlow],
  );

  // Edits that must know the new ids are computed from the rendered document, then committed.
  const addStep = useCallback(
    (type: string, at?: Position) => {
      if (!at && selectedNode && freeExit) {
        // After the selected step, connected from its first free exit.
        const from = selectedNode.id;
        const exits = exitsOf(selectedNode);
        const origin = doc.layout.nodes[from] ?? { x: 0, y: 0 };
        const slot = exits.indexOf(freeExit);
        const x = origin.x + (exits.length > 1 ? (slot - (exits.length - 1) / 2) * 260 : 0);
        const position = { x, y: origin.y + sizeOf(from).height + STEP_GAP };
        const added = addNode(doc, type, position);
        edit(() => connect(added.doc, from, freeExit, added.id));
        select({ nodes: [added.id], edges: [] });
        revealPosition(position, estimatedSize(1));
      } else {
        const added = addNode(doc, type, at ? { x: at.x - 120, y: at.y - 40 } : freeSpotInView());
        edit(() => added.doc);
        select({ nodes: [added.id], edges: [] });
      }
      setRightPanel('inspect');
    },
    [doc, edit, freeExit, freeSpotInView, revealPosition, select, selectedNode, sizeOf],
  );

  // A test call moves on: keep the step it is at in view.
  const traceAt = trace?.current;
  useEffect(() => {
    if (!traceAt) return;
    const position = doc.layout.nodes[traceAt];
    if (position) revealPosition(position, sizeOf(traceAt));
    // Only when the call moves, not on every edit.
  }, [traceAt]);

  const focusProblem = useCallback(
    (problem: FlowProblem) => {
      setRightPanel('inspect');
      const nodeId = problem.nodeId ?? (problem.edgeIndex !== undefined ? doc.graph.edges[problem.edgeIndex]?.from : undefined);
      const node = nodeId ? doc.graph.nodes.find((n) => n.id === nodeId) : undefined;
      if (!node) {
        select(NO_SELECTION);
        setPendingFocus({ field: problem.field });
        return;
      }
      select({ nodes: [node.id], edges: [] });
      const position = doc.layout.nodes[node.id] ?? { x: 0, y: 0 };
      const size = sizeOf(node.id);
      void reactFlow.setCenter(position.x + size.width / 2, position.y + size.height / 2, {
        zoom: Math.max(reactFlow.getZoom(), 0.9),
        duration: 300,
      });
      setPendingFocus({ nodeId: node.id, field: problem.field });
    },
    [doc.graph.edges, doc.graph.nodes, doc.layout.nodes, reactFlow, select, sizeOf],
  );

  // After a problem is clicked and the inspector has rendered: focus the setting it is about.
  useEffect(() => {
    if (!pendingFocus) return;
    const frame = requestAnimationFrame(() => {
      const element = pendingFocus.nodeId ? findFieldElement(pendingFocus.nodeId, pendingFocus.field) : document.getElementById('flow-start');
      if (element) {
        element.scrollIntoView({ block: 'center', behavior: 'smooth' });
        element.focus({ preventScroll: true });
      }
      setPendingFocus(undefined);
    });
    return () => cancelAnimationFrame(frame);
  }, [pendingFocus]);

  const copySelection = useCallback(() => {
    const content = copyNodes(doc, selection.nodes);
    if (content) {
      writeClipboard(content);
      toast.show(`Copied ${content.nodes.length === 1 ? 'the step' : `${content.nodes.length} steps`}`);
    }
  }, [doc, selection.nodes, toast]);

  const pasteContent = useCallback(
    (content = readClipboard(), at: Position | null = pointer.current) => {
      if (!content) return;
      const pasted = pasteNodes(doc, content, at ?? undefined);
      edit(() => pasted.doc);
      select({ nodes: pasted.ids, edges: [] });
    },
    [doc, edit, select],
  );

  const deleteSelection = useCallback(() => {
    edit((d) => removeElements(d, selection.nodes, selection.edges));
    select(NO_SELECTION);
  }, [edit, select, selection]);

  const duplicateSelection = useCallback(() => {
    const content = copyNodes(doc, selection.nodes);
    if (content) pasteContent(content, null);
  }, [doc, pasteContent, selection.nodes]);

  const tidyUp = useCallback(() => {
    edit((d) => moveNodes(d, autoLayout(d, measured)));
    window.setTimeout(() => void reactFlow.fitView({ padding: 0.2, maxZoom: 1, duration: 300 }), 50);
  }, [edit, measured, reactFlow]);

  useEditorShortcuts({
    undo: editor.undo,
    redo: editor.redo,
    copy: copySelection,
    cut: () => {
      copySelection();
      deleteSelection();
    },
    paste: () => pasteContent(),
    duplicate: duplicateSelection,
    selectAll: () => select({ nodes: doc.graph.nodes.map((node) => node.id), edges: [] }),
    clearSelection: () => select(NO_SELECTION),
  });

  const afterPublish = useCallback(
    async (version: FlowVersion) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.versions(flow.id) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.flows, exact: true }),
      ]);
      queryClient.setQueryData(queryKeys.version(flow.id, version.version), version);
    },
    [flow.id, queryClient],
  );

  const publish = useCallback(
    async (note: string) => {
      await autosave.flush();
      const version = await publishFlow(flow.id, note);
      await afterPublish(version);
      toast.show(`Published version ${version.version}. New calls use it now.`, 'success');
    },
    [afterPublish, autosave, flow.id, toast],
  );

  const loadVersion = useCallback(
    (version: FlowVersion) => {
      edit((d) => ({ ...d, graph: structuredClone(version.graph) as DraftGraph, layout: structuredClone(version.layout) }));
      select(NO_SELECTION);
      toast.show(`Loaded version ${version.version} into the draft. Undo (Ctrl Z) brings back what you had.`);
    },
    [edit, select, toast],
  );

  const rollBack = useCallback(
    async (version: FlowVersion) => {
      const next: FlowDocument = { ...doc, graph: structuredClone(version.graph) as DraftGraph, layout: structuredClone(version.layout) };
      edit(() => next);
      select(NO_SELECTION);
      await autosave.flush(next);
      const published = await publishFlow(flow.id, `Rolled back to version ${version.version}`);
      await afterPublish(published);
      toast.show(`Version ${version.version} is live again, as version ${published.version}.`, 'success');
    },
    [afterPublish, autosave, doc, edit, flow.id, select, toast],
  );

  const paletteHint =
    selectedNode && freeExit
      ? `Click adds a step after “${selectedNode.label?.trim() || selectedNode.id}” (${exitLabel(selectedNode.type, freeExit, selectedNode.config)}). Or drag one onto the canvas.`
      : 'Click to add a step in the middle of the view, or drag it onto the canvas.';

  let inspector;
  if (rightPanel === 'test') {
    inspector = (
      <TestPanel
        flowId={flow.id}
        draftProblems={problems.all.length}
        latestVersion={latest}
        steps={steps}
        onTrace={setTrace}
        onClose={() => {
          setTrace(undefined);
          setRightPanel('inspect');
        }}
      />
    );
  } else if (rightPanel === 'versions') {
    inspector = <VersionHistory flowId={flow.id} onLoad={loadVersion} onRollBack={rollBack} draft={doc.graph} />;
  } else if (selectedNode && selection.edges.length === 0) {
    inspector = (
      <NodeInspector
        key={selectedNode.id}
        doc={doc}
        node={selectedNode}
        problems={problems.byNode.get(selectedNode.id) ?? []}
        onEdit={edit}
        onRenamed={(id) => select({ nodes: [id], edges: [] })}
        onDuplicate={duplicateSelection}
        onDelete={deleteSelection}
      />
    );
  } else if (selection.nodes.length + selection.edges.length > 0) {
    inspector = (
      <SelectionInspector
        nodeCount={selection.nodes.length}
        edgeCount={selection.edges.length}
        onCopy={copySelection}
        onDuplicate={duplicateSelection}
        onDelete={deleteSelection}
      />
    );
  } else {
    inspector = <FlowInspector doc={doc} problems={problems.all} onEdit={edit} />;
  }

  return (
    <div className="editor">
      <EditorHeader
        name={doc.name}
        onRename={(name) => edit((d) => rename(d, name), { coalesceKey: 'flow-name' })}
        save={autosave.state}
        onSaveNow={() => void autosave.flush().catch(() => undefined)}
        canUndo={editor.canUndo}
        canRedo={editor.canRedo}
        onUndo={editor.undo}
        onRedo={editor.redo}
        onAutoLayout={tidyUp}
        onFitView={() => void reactFlow.fitView({ padding: 0.2, maxZoom: 1, duration: 300 })}
        publish={publishState}
        problemCount={problems.all.length}
        onPublish={() => setPublishOpen(true)}
        versionsOpen={rightPanel === 'versions'}
        onToggleVersions={() => setRightPanel((panel) => (panel === 'versions' ? 'inspect' : 'versions'))}
        testOpen={rightPanel === 'test'}
        onToggleTest={() => {
          if (rightPanel === 'test') setTrace(undefined);
          else window.setTimeout(() => void reactFlow.fitView({ padding: 0.15, maxZoom: 1, duration: 300 }), 50);
          setRightPanel((panel) => (panel === 'test' ? 'inspect' : 'test'));
        }}
      />
      <div className="editor__body">
        <aside className="editor__left" aria-label="Steps and problems">
          <Palette onAdd={(type) => addStep(type)} hint={paletteHint} />
          <ProblemsList doc={doc} problems={problems.all} onFocus={focusProblem} />
        </aside>
        <div className="editor__canvas" ref={canvasArea}>
          <FlowCanvas editor={editor} nodes={nodes} edges={edges} onMeasured={onMeasured} onDropType={addStep} pointer={pointer} />
          {doc.graph.nodes.length === 0 && (
            <div className="canvas-empty">
              <h2>An empty flow</h2>
              <p>
                Add the first step from the list on the left: click it, or drag it here. A call starts at the first step; a
                <em> Say message</em> greeting is a good start.
              </p>
            </div>
          )}
        </div>
        <aside className="editor__right" aria-label={rightPanel === 'versions' ? 'Versions' : rightPanel === 'test' ? 'Test' : 'Inspector'}>
          {inspector}
        </aside>
      </div>
      <PublishDialog
        open={publishOpen}
        nextVersion={(latest ?? 0) + 1}
        problems={problems.all}
        onPublish={publish}
        onClose={() => setPublishOpen(false)}
        onShowProblems={() => {
          const first = problems.all[0];
          if (first) focusProblem(first);
        }}
      />
    </div>
  );
}
