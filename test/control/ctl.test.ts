/** The control directory: transaction file, commands, errors, info, help and its docs. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootKernel, cgroupByPath, cgroupStat, findTask } from '../../src/kernel/index.js';
import { createTree } from '../../src/fs/tree.js';
import { CONTROL_COMMANDS, renderCommandTableMarkdown, renderHelp } from '../../src/control/commands.js';
import { O_RDWR, O_TRUNC, O_WRONLY } from '../../src/fs/vfs.js';
import { boot, ctl, errnoOf, readFile, spawn, writeFile } from '../fs/helpers.js';

describe('memcgfs/ctl transactions', () => {
  it('write a command, read its reply on the same handle (exec 3<>ctl; echo; read <&3)', () => {
    const { k, vfs } = boot();
    vfs.mkdir('/sys/fs/cgroup/a', 0o755);
    const fh = vfs.open('/memcgfs/ctl', O_RDWR);
    const cmd = Buffer.from('spawn /a worker\n');
    expect(vfs.write(fh, cmd, 0)).toBe(cmd.length);
    // the shell's fd offset is now past the command: the reply is served from there
    const reply = vfs.read(fh, cmd.length, 128).toString();
    expect(reply).toMatch(/^pid \d+\n$/);
    const pid = Number(reply.split(' ')[1]);
    expect(findTask(k, pid)!.memcg).toBe(cgroupByPath(k, '/a'));
    expect(findTask(k, pid)!.comm).toBe('worker');
    // a second command on the same handle replaces the reply
    vfs.write(fh, Buffer.from(`fork ${pid} thread\n`), cmd.length + reply.length);
    expect(vfs.read(fh, 0, 128).toString()).toMatch(/^pid \d+\n$/);
    vfs.release(fh);
  });

  it('concurrent handles keep their own replies', () => {
    const { vfs } = boot();
    const a = vfs.open('/memcgfs/ctl', O_RDWR);
    const b = vfs.open('/memcgfs/ctl', O_RDWR);
    vfs.write(a, Buffer.from('spawn /'), 0);
    vfs.write(b, Buffer.from('spawn /'), 0);
    const ra = vfs.read(a, 7, 100).toString();
    const rb = vfs.read(b, 7, 100).toString();
    expect(ra).not.toBe(rb);
    vfs.release(a);
    vfs.release(b);
  });

  it('a plain `echo cmd > ctl` (O_WRONLY|O_TRUNC) executes it', () => {
    const { vfs } = boot();
    vfs.truncate('/memcgfs/ctl', 0);
    writeFile(vfs, '/memcgfs/ctl', 'spawn / x\n', O_WRONLY | O_TRUNC);
    expect(readFile(vfs, '/proc/cgroups')).toMatch(/^memory/m);
    expect(readFile(vfs, '/memcgfs/ctl')).toBe('');
  });

  it('a failed command fails the write with the kernel errno and leaves an error reply', () => {
    const { vfs } = boot();
    const fh = vfs.open('/memcgfs/ctl', O_RDWR);
    expect(errnoOf(() => vfs.write(fh, Buffer.from('exit 424242'), 0))).toBe('ESRCH');
    expect(vfs.read(fh, 0, 200).toString()).toMatch(/^error ESRCH: /);
    expect(errnoOf(() => vfs.write(fh, Buffer.from('spawn /a\nspawn /b'), 0))).toBe('EINVAL');
    expect(errnoOf(() => vfs.write(fh, Buffer.from(''), 0))).toBe('EINVAL');
    expect(errnoOf(() => vfs.write(fh, Buffer.from('spawn'), 0))).toBe('EINVAL');
    vfs.release(fh);
  });
});

describe('commands', () => {
  it('process lifecycle: spawn, fork, thread, migrate, exit', () => {
    const { k, vfs } = boot();
    const pid = spawn(vfs, '/');
    const child = Number(ctl(vfs, `fork ${pid} child`).split(' ')[1]);
    const thread = Number(ctl(vfs, `fork ${pid} thread`).split(' ')[1]);
    expect(findTask(k, child)!.tgid).toBe(child);
    expect(findTask(k, child)!.comm).toBe('child');
    expect(findTask(k, thread)!.tgid).toBe(pid);
    expect(ctl(vfs, `migrate ${pid} 1`)).toBe('ok\n');
    expect(findTask(k, pid)!.cpu).toBe(1);
    expect(errnoOf(() => ctl(vfs, `migrate ${pid} 999`))).toBe('EINVAL');
    expect(ctl(vfs, `exit ${pid}`)).toBe('ok\n');
    expect(findTask(k, thread)).toBeUndefined();
    expect(findTask(k, child)).toBeDefined();
  });

  it('activities report how much they did', () => {
    const { vfs } = boot();
    const pid = spawn(vfs, '/');
    expect(ctl(vfs, `dentries ${pid} 100`)).toBe('ok 100\n');
    expect(ctl(vfs, `dentries ${pid} 10 20`)).toBe('ok 10\n');
    expect(ctl(vfs, `files ${pid} 5`)).toBe('ok 5\n');
    expect(ctl(vfs, `unlink ${pid} 10`)).toBe('ok 5\n');
    expect(ctl(vfs, `open ${pid} 3`)).toBe('ok 3\n');
    expect(ctl(vfs, `close ${pid} 3`)).toBe('ok 3\n');
    expect(ctl(vfs, `socket ${pid} 2 udp`)).toBe('ok 2\n');
    expect(ctl(vfs, `anon ${pid} 10`)).toBe('ok 10\n');
    expect(ctl(vfs, `anon_free ${pid} 4`)).toBe('ok 4\n');
    expect(ctl(vfs, `pagecache ${pid} 8`)).toBe('ok 8\n');
    expect(errnoOf(() => ctl(vfs, `socket ${pid} 2 sctp`))).toBe('EINVAL');
  });

  it('kmalloc and cache_alloc return handles that free', () => {
    const { vfs } = boot();
    const pid = spawn(vfs, '/');
    const reply = ctl(vfs, `kmalloc ${pid} 4K 3 account`);
    const handles = reply.trim().split(' ').slice(1);
    expect(reply.startsWith('handle ')).toBe(true);
    expect(handles).toHaveLength(3);
    for (const h of handles) expect(ctl(vfs, `kfree ${pid} ${h}`)).toBe('ok\n');
    expect(errnoOf(() => ctl(vfs, `kfree ${pid} ${handles[0]}`))).toBe('EINVAL');
    const c = ctl(vfs, `cache_alloc ${pid} dentry`).trim().split(' ');
    expect(c[0]).toBe('handle');
    expect(ctl(vfs, `cache_free ${pid} ${c[1]}`)).toBe('ok\n');
    expect(errnoOf(() => ctl(vfs, `cache_alloc ${pid} no_such_cache`))).toBe('ENOENT');
    expect(errnoOf(() => ctl(vfs, `kmalloc ${pid} 64 1 bogus`))).toBe('EINVAL');
  });

  it('advance moves the virtual clock; flush and check', () => {
    const { vfs } = boot();
    const timeNs = () => Number(/^time_ns (\d+)$/m.exec(readFile(vfs, '/memcgfs/info'))![1]);
    const t0 = timeNs();
    expect(ctl(vfs, 'advance 1.5')).toBe('ok\n');
    expect(timeNs() - t0).toBe(1500000000);
    expect(ctl(vfs, 'flush')).toBe('ok\n');
    expect(ctl(vfs, 'check')).toBe('ok\n');
    expect(errnoOf(() => ctl(vfs, 'advance -1'))).toBe('EINVAL');
  });

  it('workload runs through the injected registry', () => {
    const calls: string[] = [];
    const { vfs } = boot({}, { workloads: (_k, name) => void calls.push(name) });
    expect(ctl(vfs, 'workload boot')).toBe('ok\n');
    expect(calls).toEqual(['boot']);
    const none = boot();
    expect(errnoOf(() => ctl(none.vfs, 'workload boot'))).toBe('ENOENT');
  });

  it('help lists every command', () => {
    const { vfs } = boot();
    const help = ctl(vfs, 'help');
    for (const c of CONTROL_COMMANDS) expect(help).toContain(`${c.name}${c.args ? ` ${c.args}` : ''}`);
    expect(help).toBe(renderHelp());
  });
});

describe('memcgfs/info', () => {
  it('describes the machine', () => {
    const { vfs } = boot({ controller: 'legacy', cgroupVersion: 'v1', seed: 7 });
    const info = readFile(vfs, '/memcgfs/info');
    expect(info).toMatch(/^controller legacy$/m);
    expect(info).toMatch(/^cgroup v1$/m);
    expect(info).toMatch(/^machine desktop$/m);
    expect(info).toMatch(/^seed 7$/m);
    expect(info).toMatch(/^time_ns \d+$/m);
  });
});

describe('docs/control.md', () => {
  it('carries the command table rendered from the code', () => {
    const doc = readFileSync(new URL('../../docs/control.md', import.meta.url), 'utf8');
    const m = /<!-- commands:begin -->\n([\s\S]*?)<!-- commands:end -->/.exec(doc);
    expect(m, 'docs/control.md has the commands markers').not.toBeNull();
    expect(m![1]).toBe(renderCommandTableMarkdown());
  });
});

describe('the default workload registry', () => {
  it('runs src/workloads scenarios and refuses unknown names with ENOENT', () => {
    const k = bootKernel({ machineOverrides: { memBytes: 1024 * 1024 * 1024, nrCpus: 2 } });
    const vfs = createTree(k);
    expect(errnoOf(() => ctl(vfs, 'workload no-such-workload'))).toBe('ENOENT');
    const before = cgroupStat(k, k.rootMemcg).nrDescendants;
    expect(ctl(vfs, 'workload cgroup-churn')).toBe('ok\n');
    expect(cgroupStat(k, k.rootMemcg).nrDescendants).toBeGreaterThan(before);
  });
});
