/**
 * What every directory kind of one tree shares: the kernel, the cgroup hierarchy version the
 * tree shows, and the little state that belongs to the filesystem rather than the kernel.
 */
import type { CgroupVersion, Kernel } from '../kernel/index.js';
import type { InodeTable } from './inode.js';

/** State kept by the filesystem itself (kernfs-level, not memory-subsystem facts). */
export interface FsState {
  /** v1 hierarchy's release_agent path (cgroup_root->release_agent_path). */
  releaseAgent: string;
}

export interface TreeEnv {
  readonly k: Kernel;
  readonly version: CgroupVersion;
  readonly state: FsState;
  /** Mount time (host ms) used for timestamps of nodes. */
  readonly mountTimeMs: number;
}

/** What a directory kind needs to build its nodes. */
export interface TreeDeps {
  readonly env: TreeEnv;
  readonly inodes: InodeTable;
}
