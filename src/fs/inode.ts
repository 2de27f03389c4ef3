/**
 * Inode numbers. Cgroup directories show their kernfs id (memcg.ino), which the kernel hands out
 * from 1 upwards (`stat -c %i`, /proc/kpagecgroup and drgn rely on it). Every other node gets a
 * synthetic number in the upper half of the 32-bit range (fuse-native passes st_ino as a
 * uint32), so the two never collide:
 * - /proc/<pid>/... nodes are computed from the pid (stable, no memory per task);
 * - everything else is interned by a key on first sight, stable for the tree's lifetime.
 *   Keys of a removed cgroup's files are forgotten at rmdir, so the table stays bounded.
 */

/** First synthetic inode number: kernfs ids of cgroups stay below it. */
export const SYNTHETIC_INO_BASE = 2 ** 31;
/** pid_max (4194304) * 32 slots fits below the interned range. */
const PID_SLOTS = 32;
const PID_RANGE = 4194304 * PID_SLOTS * 2;
const INTERNED_BASE = SYNTHETIC_INO_BASE + PID_RANGE;

/** Slots of a /proc/<pid> (or /proc/<pid>/task/<tid>) directory. */
export const enum PidSlot {
  Dir = 0,
  Cgroup = 1,
  Comm = 2,
  Status = 3,
  TaskDir = 4,
}

export class InodeTable {
  private next = INTERNED_BASE;
  private readonly byKey = new Map<string, number>();

  /** Stable number for `key` (a path for static nodes, "cg:<ino>/<name>" for cgroup files). */
  intern(key: string): number {
    let ino = this.byKey.get(key);
    if (ino === undefined) {
      ino = this.next++;
      if (this.next >= 2 ** 32) this.next = INTERNED_BASE;
      this.byKey.set(key, ino);
    }
    return ino;
  }

  /** Forgets every key starting with `prefix` (files of a removed cgroup). */
  forgetPrefix(prefix: string): void {
    for (const key of this.byKey.keys()) if (key.startsWith(prefix)) this.byKey.delete(key);
  }

  /** A /proc/<pid> node; `thread` selects the /proc/<pid>/task/<tid> view of the same task. */
  pidNode(pid: number, slot: PidSlot, thread: boolean): number {
    return SYNTHETIC_INO_BASE + (pid * 2 + (thread ? 1 : 0)) * PID_SLOTS + slot;
  }

  /** Key under which a cgroup's interface file is interned. */
  static cgroupFileKey(cgroupIno: number, name: string): string {
    return `cg:${cgroupIno}/${name}`;
  }

  get size(): number {
    return this.byKey.size;
  }
}
