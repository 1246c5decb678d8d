import type { ReactNode } from 'react';
import { useTitle } from '../lib/use-title.js';

/** The frame of the signed-out pages. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  useTitle(title);
  return (
    <main className="auth" id="main">
      <p className="brand">Latchkey</p>
      <div className="card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
