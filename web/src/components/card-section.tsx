import type { ReactNode } from 'react';

/** Props of {@link CardSection}. */
export interface CardSectionProps {
  /** Prefix of the heading's id (`<id>-title`), which labels the section. */
  id: string;
  title: ReactNode;
  /** Classes besides `card`, e.g. `settings-section`. */
  className?: string;
  children: ReactNode;
}

/** A card with a heading that names it for assistive technology. */
export function CardSection({ id, title, className, children }: CardSectionProps) {
  return (
    <section className={className ? `card ${className}` : 'card'} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}
