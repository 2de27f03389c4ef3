/**
 * /proc/cgroups and /proc/<pid>/cgroup (kernel/cgroup/cgroup-v1.c proc_cgroupstats_show,
 * kernel/cgroup/cgroup.c proc_cgroup_show). The modelled kernel has one controller, memory: on
 * v2 it lives on the unified hierarchy (id 0); on v1 it is the only v1 hierarchy, id 1.
 */
import type { CgroupVersion } from '../../kernel/index.js';

/** Hierarchy id of the v1 memory hierarchy (the only v1 hierarchy mounted). */
export const V1_MEMORY_HIERARCHY_ID = 1;

/** /proc/cgroups: tab separated; num_cgroups counts dying cgroups too. */
export function renderProcCgroups(version: CgroupVersion, numCgroups: number): string {
  const hierarchy = version === 'v1' ? V1_MEMORY_HIERARCHY_ID : 0;
  return `#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t${hierarchy}\t${numCgroups}\t1\n`;
}

/**
 * /proc/<pid>/cgroup: v2 "0::<path>"; v1 the memory line then the unified line, in reverse
 * order of hierarchy creation as Linux prints them (the task sits in the v2 root, which v1 mode
 * leaves empty).
 */
export function renderPidCgroup(version: CgroupVersion, path: string): string {
  if (version === 'v2') return `0::${path}\n`;
  return `${V1_MEMORY_HIERARCHY_ID}:memory:${path}\n0::/\n`;
}
