import { Link } from '@tanstack/react-router';

export function NotFound() {
  return (
    <main className="page" id="main">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to your dashboard</Link>.
      </p>
    </main>
  );
}
