import { useCallback, useRef, type DragEvent, type RefObject } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
  type NodeTypes,
} from '@xyflow/react';
import { connect, moveNodes, removeElements, type Position } from '../model/flow-document';
import type { NodeSize } from '../model/auto-layout';
import type { FlowDocumentState } from '../use-flow-document';
import { FlowNode } from './flow-node';
import type { CanvasEdge, CanvasNode } from './to-canvas';

/** The MIME type a palette item carries while dragged. */
export const NODE_TYPE_MIME = 'application/x-switchboard-node-type';

const nodeComponents: NodeTypes = { flowNode: FlowNode };
/** Small flows fit on screen; the overview only covers their steps. */
const MINIMAP_FROM = 8;

/** Props of {@link FlowCanvas}. */
export interface FlowCanvasProps {
  editor: FlowDocumentState;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** Sizes React Flow measured, for the next render and for auto-layout. */
  onMeasured(sizes: ReadonlyMap<string, NodeSize>): void;
  /** A palette item was dropped at this flow position. */
  onDropType(type: string, position: Position): void;
  /** The pointer's last position over the canvas, for paste. */
  pointer: RefObject<Position | null>;
}

/**
 * The canvas: nodes are dragged, exits are connected by dragging from their handle onto any part of
 * another node, Delete removes the selection. Every change goes through the document's edit(), so
 * it can be undone and is autosaved.
 */
export function FlowCanvas({ editor, nodes, edges, onMeasured, onDropType, pointer }: FlowCanvasProps) {
  const { screenToFlowPosition } = useReactFlow();
  const dragSession = useRef(0);
  const { edit, select } = editor;
  const selectionRef = useRef(editor.selection);
  selectionRef.current = editor.selection;

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const positions: Record<string, Position> = {};
      let dragging = false;
      const sizes = new Map<string, NodeSize>();
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type === 'position' && change.position) {
          positions[change.id] = change.position;
          dragging ||= change.dragging === true;
        } else if (change.type === 'dimensions' && change.dimensions) {
          sizes.set(change.id, { width: change.dimensions.width, height: change.dimensions.height });
        } else if (change.type === 'select') {
          selected ??= new Set(selectionRef.current.nodes);
          if (change.selected) selected.add(change.id);
          else selected.delete(change.id);
        }
      }
      if (Object.keys(positions).length) {
        const key = dragging ? `drag:${dragSession.current}` : `nudge:${Object.keys(positions).sort().join(',')}`;
        edit((doc) => moveNodes(doc, positions), { coalesceKey: key });
      }
      if (sizes.size) onMeasured(sizes);
      if (selected) select({ nodes: [...selected], edges: selectionRef.current.edges });
    },
    [edit, select, onMeasured],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<CanvasEdge>[]) => {
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type === 'select') {
          selected ??= new Set(selectionRef.current.edges);
          if (change.selected) selected.add(change.id);
          else selected.delete(change.id);
        }
      }
      if (selected) select({ nodes: selectionRef.current.nodes, edges: [...selected] });
    },
    [select],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      if (!connection.sourceHandle) return;
      const exit = connection.sourceHandle;
      edit((doc) => connect(doc, connection.source, exit, connection.target));
    },
    [edit],
  );

  // Dropping a connection anywhere on a node connects to it, not only on its small top handle.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle?.id || state.fromHandle.type !== 'source') return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!point) return;
      const target = document
        .elementsFromPoint(point.clientX, point.clientY)
        .map((element) => element.closest<HTMLElement>('.react-flow__node'))
        .find((element): element is HTMLElement => element !== null);
      const to = target?.dataset.id;
      const from = state.fromNode.id;
      const exit = state.fromHandle.id;
      if (to) edit((doc) => connect(doc, from, exit, to));
    },
    [edit],
  );

  const onReconnect = useCallback(
    (old: CanvasEdge, connection: Connection) => {
      if (!connection.sourceHandle) return;
      const exit = connection.sourceHandle;
      edit((doc) => connect(removeElements(doc, [], [old.id]), connection.source, exit, connection.target));
    },
    [edit],
  );

  const onDelete = useCallback(
    ({ nodes: gone, edges: goneEdges }: { nodes: CanvasNode[]; edges: CanvasEdge[] }) => {
      edit((doc) => removeElements(doc, gone.map((node) => node.id), goneEdges.map((edge) => edge.id)));
      select({ nodes: [], edges: [] });
    },
    [edit, select],
  );

  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (event: DragEvent) => {
    const type = event.dataTransfer.getData(NODE_TYPE_MIME);
    if (!type) return;
    event.preventDefault();
    onDropType(type, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  return (
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<CanvasNode, CanvasEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeComponents}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onReconnect={onReconnect}
        onDelete={onDelete}
        onNodeDragStart={() => {
          dragSession.current += 1;
        }}
        onPaneMouseMove={(event) => {
          pointer.current = screenToFlowPosition({ x: event.clientX, y: event.clientY });
        }}
        onPaneMouseLeave={() => {
          pointer.current = null;
        }}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        connectionRadius={32}
        fitView
        fitViewOptions={{ padding: 0.25, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter or Space to select this node, Delete to remove it, arrow keys to move it.' }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
        <Controls showInteractive={false} position="bottom-left" />
        {nodes.length >= MINIMAP_FROM && <MiniMap
          position="bottom-right"
          pannable
          zoomable
          ariaLabel="Overview of the flow"
          style={{ width: 168, height: 112 }}
          nodeColor={(node) => (node.data as CanvasNode['data']).accent}
          nodeStrokeWidth={2}
        />}
      </ReactFlow>
    </div>
  );
}

