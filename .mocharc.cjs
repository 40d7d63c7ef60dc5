// The one mocha configuration. `npx mocha` at the root (make test) runs every package's tests;
// a workspace's `npm test` / `test:unit` / `test:integration` passes its own files, and then
// the root list is left out (mocha finds this file from the workspace too).
const isRoot = process.cwd() === __dirname;

module.exports = {
  ...(isRoot
    ? {
        spec: [
          'services/*/dist/test/**/*.test.js',
          'operator/dist/test/**/*.test.js',
          'test/dist/e2e/**/*.test.js',
          'test/dist/browser/**/*.test.js',
        ],
      }
    : {}),
  timeout: 30000,
  reporter: 'spec',
  'forbid-only': true,
  // No `exit: true`: a leaked timer, socket or child keeps mocha alive, and this hook fails the run.
  require: ['@mpstack/testkit/leak-check'],
};
