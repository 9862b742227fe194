import type { CSSProperties } from 'react';
import { nodeTypes, type NodeCategory, type NodeType } from '@switchboard/flow-model';
import { Icon } from '../../components/icon';
import { NODE_TYPE_MIME } from '../canvas/flow-canvas';
import { nodeTypeUi, paletteCategories } from '../node-types';

/** Props of {@link Palette}. */
export interface PaletteProps {
  /** Click or Enter on an item. */
  onAdd(type: NodeType): void;
  /** What a click does right now, said under the heading. */
  hint: string;
}

const types = (Object.keys(nodeTypes) as NodeType[]).filter((type) => nodeTypeUi[type].inPalette !== false);
const categories = (Object.keys(paletteCategories) as NodeCategory[]).sort((a, b) => paletteCategories[a].order - paletteCategories[b].order);

/** Every node type, grouped; drag one onto the canvas, or click it to add it. */
export function Palette({ onAdd, hint }: PaletteProps) {
  return (
    <section className="palette" aria-labelledby="palette-title">
      <h2 id="palette-title" className="side-title">
        Add a step
      </h2>
      <p className="palette__hint">{hint}</p>
      {categories.map((category) => {
        const inCategory = types.filter((type) => nodeTypes[type].category === category);
        if (inCategory.length === 0) return null;
        return (
          <div key={category} className="palette__group" role="group" aria-labelledby={`palette-${category}`}>
            <h3 id={`palette-${category}`} className="palette__category">
              {paletteCategories[category].label}
            </h3>
            {inCategory.map((type) => {
              const ui = nodeTypeUi[type];
              const definition = nodeTypes[type];
              return (
                <button
                  key={type}
                  type="button"
                  className="palette__item"
                  style={{ '--accent': ui.accent } as CSSProperties}
                  draggable
                  onDragStart={(event) => {
                    event.dataTransfer.setData(NODE_TYPE_MIME, type);
                    event.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => onAdd(type)}
                  title={definition.help}
                  aria-label={`Add ${definition.label}`}
                  aria-describedby={`palette-help-${type}`}
                  data-node-type={type}
                >
                  <span className="palette__icon" aria-hidden="true">
                    <Icon path={ui.icon} size={15} />
                  </span>
                  <span className="palette__text">
                    <span className="palette__label">{definition.label}</span>
                    <span id={`palette-help-${type}`} className="palette__help">
                      {definition.help}
                    </span>
                  </span>
                </button>
              );
            })}
          </div>
        );
      })}
    </section>
  );
}
