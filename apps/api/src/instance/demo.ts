// The demo account `npm start` seeds on a first run (scripts/start.ts). The sign-in page offers it only
// while it exists with exactly these credentials (instance.service.ts), so a deployment that changed or
// never had it shows nothing.
export const DEMO_ACCOUNT = { email: 'demo@slicewise.local', password: 'slicewise-demo-1', name: 'Demo User', team: 'Demo Lab', project: 'Glioma augmentation' } as const;
