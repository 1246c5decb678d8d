import { useState } from 'react';

/** Copies `text`; says so for a moment (announced to screen readers). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="copy"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          setCopied(false);
        }
      }}
    >
      {label}
      <span aria-live="polite" className="copied">
        {copied ? ' ✓ copied' : ''}
      </span>
    </button>
  );
}

/** A block of code with its copy button; `label` names both. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label.toLowerCase()}`} />
      </figcaption>
      {/* Wrapped, never scrolled sideways: readable at 360 px without a keyboard trap. */}
      <pre>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
