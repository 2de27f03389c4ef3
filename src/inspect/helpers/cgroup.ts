/**
 * Cgroups (drgn.helpers.linux.cgroup): the memory css tree. In this memory-only kernel a cgroup
 * and its memory css are one view, so css helpers take and yield MemCgroupView.
 *
 * Difference from drgn 0.0.22: its css iterators skip offline (dying) css; these include them
 * by default, as the kernel's iterators and drgn >= 0.0.30 do. Pass { includeOffline: false }
 * for the old behaviour.
 */
import type { MemCgroupView, Program } from '../program.js';

export interface CssIterOptions {
  includeOffline?: boolean;
}

/** root_mem_cgroup */
export function rootMemCgroup(prog: Program): MemCgroupView {
  return prog.memcgAt(0);
}

/** css_for_each_child: children in creation order. */
export function* cssForEachChild(css: MemCgroupView, opts: CssIterOptions = {}): Iterable<MemCgroupView> {
  const includeOffline = opts.includeOffline ?? true;
  for (const c of css.children) if (includeOffline || c.online) yield c;
}

/** css_for_each_descendant_pre: `css` itself, then its descendants in pre-order. */
export function* cssForEachDescendantPre(css: MemCgroupView, opts: CssIterOptions = {}): Iterable<MemCgroupView> {
  const includeOffline = opts.includeOffline ?? true;
  const stack: MemCgroupView[] = [css];
  while (stack.length) {
    const c = stack.pop()!;
    if (!includeOffline && !c.online) continue;
    yield c;
    const kids = c.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** Every memcg, pre-order from the root. */
export function forEachMemCgroup(prog: Program, opts: CssIterOptions = {}): Iterable<MemCgroupView> {
  return cssForEachDescendantPre(rootMemCgroup(prog), opts);
}

/** mem_cgroup_from_css: the identity here. */
export function memCgroupFromCss(css: MemCgroupView): MemCgroupView {
  return css;
}

export function cgroupParent(cg: MemCgroupView): MemCgroupView | null {
  return cg.parent;
}

/** cgroup_name: '/' for the root. */
export function cgroupName(cg: MemCgroupView): string {
  return cg.isRoot ? '/' : cg.name;
}

/** cgroup_path: '/a/b' ('/' for the root); a dying cgroup keeps the path it had. */
export function cgroupPath(cg: MemCgroupView): string {
  const parts: string[] = [];
  for (let c: MemCgroupView | null = cg; c && !c.isRoot; c = c.parent) parts.unshift(c.name);
  return '/' + parts.join('/');
}

/** cgroup_get_from_path: the online cgroup at a hierarchy path ('/a/b'), or null. */
export function cgroupGetFromPath(prog: Program, path: string): MemCgroupView | null {
  let cg: MemCgroupView | null = rootMemCgroup(prog);
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    cg = cg.children.find((c) => c.online && c.name === part) ?? null;
    if (!cg) return null;
  }
  return cg;
}

/** The cgroup whose directory has inode number `ino` (kernfs id), online or dying. */
export function cgroupFromIno(prog: Program, ino: number): MemCgroupView | null {
  const g = prog.snap.cgroups;
  for (let i = 0; i < g.count; i++) if (g.ino[i] === ino) return prog.memcgAt(i);
  return null;
}
