import { useEffect } from 'react';

/** The tab's title (and what a screen reader announces on navigation): "Page · Latchkey". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Latchkey`;
  }, [title]);
}
