/** A line icon drawn from SVG path data on a 24×24 grid. */
export interface IconProps {
  /** Path data; several sub-paths may be separated by spaces. */
  path: string;
  size?: number;
  /** Spoken name; without it the icon is decorative and hidden from screen readers. */
  title?: string;
  className?: string;
}

/** Renders {@link IconProps.path} with a 2px round stroke in the current colour. */
export function Icon({ path, size = 16, title, className }: IconProps) {
  return (
    <svg
      className={className}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      role={title ? 'img' : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
    >
      <path d={path} />
    </svg>
  );
}

/** Path data of the app's own icons (node types have theirs in editor/node-types.ts). */
export const icons = {
  flows: 'M6 3v12 M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M18 9a9 9 0 0 1-9 9',
  phone: 'M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.3 1.8.6 2.6a2 2 0 0 1-.4 2.1L8 9.7a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.8.3 1.7.5 2.6.6a2 2 0 0 1 1.7 2z',
  calls: 'M3 12h4l3-9 4 18 3-9h4',
  plug: 'M9 2v6 M15 2v6 M6 8h12v4a6 6 0 0 1-12 0z M12 18v4',
  undo: 'M3 7v6h6 M21 17a9 9 0 0 0-15-6.7L3 13',
  redo: 'M21 7v6h-6 M3 17a9 9 0 0 1 15-6.7L21 13',
  layout: 'M3 3h7v7H3z M14 14h7v7h-7z M6.5 10v4h11',
  fit: 'M15 3h6v6 M9 21H3v-6 M21 3l-7 7 M3 21l7-7',
  history: 'M3 12a9 9 0 1 0 3-6.7L3 8 M3 3v5h5 M12 7v5l4 2',
  warning: 'M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z M12 9v4 M12 17h.01',
  check: 'M20 6 9 17l-5-5',
  plus: 'M12 5v14 M5 12h14',
  trash: 'M3 6h18 M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6 M10 11v6 M14 11v6 M9 6V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2',
  copy: 'M9 9h11v11H9z M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1',
  start: 'M5 3l14 9-14 9z',
  up: 'M18 15l-6-6-6 6',
  down: 'M6 9l6 6 6-6',
  close: 'M18 6 6 18 M6 6l12 12',
  external: 'M15 3h6v6 M10 14 21 3 M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6',
  back: 'M15 18l-6-6 6-6',
  offline: 'M2 2l20 20 M8.5 16.5a5 5 0 0 1 7 0 M2 8.8a15 15 0 0 1 4.2-2.7 M10.7 5.1A15 15 0 0 1 22 8.8 M5 12.9a10 10 0 0 1 5.2-2.8 M17.7 13.4a10 10 0 0 0-2.4-1.6 M12 20h.01',
} as const;
