// The project's own folder is its root (a parent folder's lockfile is not this app's).
const root = import.meta.dirname;

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  turbopack: { root },
  outputFileTracingRoot: root,
};

export default nextConfig;
