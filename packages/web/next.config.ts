import type { NextConfig } from 'next';

/**
 * Static export only: the site is plain files behind one origin that also routes `/model/*` and
 * `/api/*` (CloudFront in AWS, `npm start` locally), so there is no Next.js server at run time.
 */
const nextConfig: NextConfig = {
  output: 'export',
  // The export has no image optimisation server.
  images: { unoptimized: true },
  // core is consumed as TypeScript source (its package exports point at src/index.ts).
  transpilePackages: ['@sentiment/core'],
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
};

export default nextConfig;
