import type { ReactNode } from 'react';

/** The frame of the signed-out pages. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
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
