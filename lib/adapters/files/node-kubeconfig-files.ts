import { open, realpath } from 'node:fs/promises';
import { MAX_KUBECONFIG_BYTES } from '../../model/kubeconfig-limits.js';
import type { KubeconfigFiles } from '../../ports/kubeconfig-files.js';

/** {@link KubeconfigFiles} over node:fs. Reads at most one byte more than a kubeconfig may have, so a FIFO or /dev/zero cannot hold it. */
export const nodeKubeconfigFiles: KubeconfigFiles = {
  realpath: (path) => realpath(path),
  async readFile(path) {
    const handle = await open(path, 'r');
    try {
      if (!(await handle.stat()).isFile()) throw new Error('not a regular file');
      const buffer = Buffer.alloc(MAX_KUBECONFIG_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_KUBECONFIG_BYTES) throw new Error('too large');
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  },
};
