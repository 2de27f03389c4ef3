/**
 * `boot`: a desktop coming up under systemd — the cover letter's "personal desktop with 8-cores
 * CPU and 16 GB of RAM running Fedora 31, measured just after loading of the system", and the
 * mount's default workload. Also exports the host boot that the server workloads start from
 * (Bharata B Rao's POWER8 host was a booted distribution too; his "Slab right after boot" row).
 *
 * What is modelled (timeline in virtual seconds after the kernel handed over to PID 1):
 *  0–3 s   early oneshot units (tmpfiles, udev trigger, fsck, remount, sysctl, .mount units...):
 *          each gets a cgroup, runs, exits; systemd removes the cgroup (a dying cgroup from then
 *          on, for as long as what it allocated — cached dentries of the files it touched — lives).
 *          systemd-udevd handles the coldplug: its workers walk sysfs and run helper programs.
 *  1–8 s   the system daemons start, each in system.slice/<name>.service: exec and libraries,
 *          configuration, threads, sockets to journald and D-Bus, a few helper processes.
 *  6–10 s  the display manager's greeter session (user-42.slice) — GNOME's login screen.
 *  20–30 s the user logs in: user-1000.slice, session-2.scope and user@1000.service with
 *          GNOME 3.34's one-unit-per-service layout (gnome-shell, ~15 settings daemons,
 *          gvfs, evolution data server, tracker, portals...), plus the desktop search indexing
 *          the home directory.
 *  to 90 s everything settles: daemons wake now and then (on whichever CPU the scheduler
 *          picks) and read a /proc or /sys file on some wakeups. The run ends "just after
 *          loading of the system": the daemons stay up, their cgroups stay, the dying ones too.
 *
 * Where the parameters come from (Fedora 31 Workstation, GNOME 3.34; round numbers, order of
 * magnitude from `systemctl list-units`, `ldd`, `ls /proc/PID/task | wc -l`, `ls -l
 * /proc/PID/fd`, `find`), not from any slab figure:
 *  - ~40 running system services and ~35 oneshot/mount units at boot (systemd-analyze blame on
 *    a Workstation install lists 60–80 units with run time); ~25 processes in the greeter
 *    session; ~40 user units (GNOME 3.34 moved gsd-* into their own units).
 *  - libraries per program: ldd of small daemons 10–20, GLib/GTK daemons 40–60, gnome-shell ~150.
 *  - threads: GLib daemons 2–4 (gmain, gdbus, pool), polkitd ~6 (JS engine), gnome-shell ~20.
 *  - file trees: ~2,500 shared objects in /usr/lib64 (pages actually faulted in ~150 KB each),
 *    /usr/share ~150,000 files (icons, fonts, locale, python, schemas; ~8 KB), /etc ~2,500,
 *    sysfs walked by coldplug: ~15,000 entries on a laptop/desktop, plus ~200 per CPU.
 *  - gnome-shell at startup reads ~4,000 files (icon theme, fonts, CSS, JS, schemas); tracker
 *    indexes ~10,000 files of a home directory at first login; firewalld (python) imports ~1,500
 *    modules; udevd runs ~150 helper programs at coldplug (*_id, modprobe, alsactl, lvm scans).
 *  - descriptors: each daemon's event loop decides its anonymous fds (systemd.ts' header:
 *    sd-event's epoll + signalfd + timerfds, GLib's eventfds and GFileMonitor inotify watches);
 *    inotify watches from what each daemon monitors (accounts-daemon: passwd, shadow, group,
 *    gdm's custom.conf, wtmp; polkitd: its rules and actions directories; tracker: every
 *    indexed directory...); IPv6 sockets where a daemon listens on :: as well as 0.0.0.0 or
 *    talks IPv6 (cupsd on ::1:631, avahi's and chronyd's v6 sockets, NetworkManager's DHCPv6).
 *  - shared memory (memfd_create): every GTK 3 program that opens the Wayland display loads the
 *    cursor theme when it binds wl_shm (gdk/wayland/gdkdisplay-wayland.c: wl_cursor_theme_load),
 *    and libwayland-cursor keeps all of the theme's cursors at the requested size in one wl_shm
 *    pool, a memfd_create("wayland-cursor") file (cursor/os-compatibility.c), held while the
 *    display is open: Adwaita's ~90 cursors at GNOME's default 24 px are 24 × 24 × 4 bytes
 *    (2.25 KiB) each, ~200 KiB, plus the frames of the animated busy cursors: ~256 KiB per
 *    program (GTK_CURSOR_POOL_KB). The GTK programs here: gnome-software, xdg-desktop-portal-gtk,
 *    evolution-alarm-notify, abrt-applet and the settings-daemon plugins built on GTK (color,
 *    housekeeping, keyboard, media-keys, power, print-notifications, wacom; xsettings runs on
 *    the X11 backend, through Xwayland). Window buffers (gdk's "gdk-wayland" memfds, width ×
 *    height × 4 bytes, two per window while one is on screen) exist only for mapped windows,
 *    and no GTK window is mapped just after login (the greeter and the shell's panels are
 *    drawn by gnome-shell itself). Not modelled: Xwayland renders with glamor on the GPU, so
 *    its buffers are GEM objects, and its wl_shm cursor pixmaps come only when an X client sets
 *    a cursor; mutter 3.34 keeps the XKB keymap it sends to clients in an unlinked file of
 *    $TMPDIR; journald's clients pass a memfd only for messages too large for a datagram;
 *    pulseaudio's memfd pools fill only when audio plays.
 *  - /run (tmpfs, pinned in memory): systemd-tmpfiles-setup creates ~150 entries of
 *    /usr/lib/tmpfiles.d (directories, files, symlinks), -setup-dev ~20 static device nodes;
 *    udevd keeps its database there (~700 files), journald a state file per stdout stream,
 *    logind its users/sessions/seats files.
 *  - /proc and sysfs reads: a daemon that watches devices reads sysfs attributes on its
 *    wakeups, the others /proc files (probabilities in the tables); reads go through seq_file.
 *  - scheduler: while booting the machine is busy and wakeups often land on another CPU
 *    (migrate probability 0.5); once idle, wakeups mostly return to the previous CPU or move
 *    to the waker's (0.3). Load balancing (sched.ts) moves only tasks caught waiting; the
 *    daemons' bursts of work are short, so it rarely does on this host.
 * The workload cgroup for a comparison is '/' (all of userspace).
 */
import type { WorkloadContext, WorkloadSpec } from './types.js';
import { scaled } from './types.js';
import type { Actor } from './sim.js';
import { MS, SEC } from './sim.js';
import { FileSet } from './files.js';
import { SystemdHost, daemon, oneshot } from './systemd.js';
import type { DaemonIo, DaemonSpec, HostFiles, ProgramSpec } from './systemd.js';

/** Wakeups land on another CPU this often while the machine boots, and once it idles. */
export const MIGRATE_BUSY = 0.5;
export const MIGRATE_IDLE = 0.3;

/**
 * /proc entries daemons read: ~60 global files (meminfo, stat, loadavg, pressure/*, net/*),
 * a few hundred of /proc/sys, and the per-process files (stat, status, cmdline, cgroup...) of
 * the ~250 processes of a booted desktop that monitors and journald look at: ~3,000 entries.
 */
const PROC_FILES = 3000;

/** The file trees of a distribution install (see the header for the sizes). */
export function distroFiles(ctx: WorkloadContext): HostFiles {
  const cpus = ctx.k.config.nrCpus;
  return {
    libs: new FileSet({ name: '/usr/lib64', nrFiles: 2500, meanBytes: 150 * 1024, skew: 2.5 }),
    share: new FileSet({ name: '/usr/share', nrFiles: 150_000, meanBytes: 8 * 1024, skew: 2 }),
    etc: new FileSet({ name: '/etc', nrFiles: 2500, meanBytes: 2 * 1024, skew: 1.5 }),
    sys: new FileSet({ name: '/sys', nrFiles: 15_000 + 200 * cpus, meanBytes: 0, skew: 1, fs: 'sysfs' }),
    proc: new FileSet({ name: '/proc', nrFiles: PROC_FILES, meanBytes: 0, skew: 3, fs: 'proc' }),
    home: new FileSet({ name: '/home/user', nrFiles: 20_000, meanBytes: 40 * 1024, skew: 1 }),
  };
}

/**
 * A compact row of the unit tables: [unit, comm, libs, dataFiles, dataSet, threads, unix
 * sockets, open files (non-socket fds), helpers, wake ms, proc-read probability, anon KiB, io].
 */
export type Row = [string, string, number, number, keyof HostFiles, number, number, number, number, number, number, number, DaemonIo];

/** Event loops (systemd.ts' header): sd-event, GLib with `inotify` GFileMonitor watches, an epoll loop, poll. */
const SD: DaemonIo = { loop: 'sd-event' };
const EPOLL: DaemonIo = { loop: 'epoll' };
const POLL: DaemonIo = { loop: 'poll' };
const glib = (inotify = 0, more: Omit<DaemonIo, 'loop' | 'inotify'> = {}): DaemonIo => ({ loop: 'glib', inotify, ...more });

/** The wl_shm pool of the cursor theme a GTK 3 Wayland client loads (see the header), KiB. */
const GTK_CURSOR_POOL_KB = 256;
/** What a GTK 3 program's display connection holds: its cursor theme pool. */
const GTK_WAYLAND: Pick<DaemonIo, 'memfdKb'> = { memfdKb: [GTK_CURSOR_POOL_KB] };

export function daemonSpec(r: Row, scale: number): DaemonSpec {
  const [, comm, libs, dataFiles, dataSet, threads, unixSockets, openFiles, helpers, wakeMs, procReadProb, anonKb, io] = r;
  return {
    comm,
    libs,
    dataFiles: Math.max(0, Math.round(dataFiles * scale)),
    dataSet,
    negLookups: 10 + Math.round(libs / 2),
    anonKb,
    threads,
    unixSockets,
    openFiles,
    io,
    helpers,
    wakeMs,
    procReadProb,
    // servers of local clients (journald's stream sockets, the D-Bus brokers, pulseaudio,
    // logind) accept a connection on a good share of their wakeups
    connProb: unixSockets >= 10 ? 0.2 : 0,
  };
}

/**
 * systemd-udevd: inotify on the block devices udev rules mark with OPTIONS+="watch" (disks and
 * partitions: ~8); its database in /run/udev/data, one file per device with properties or
 * tags (~700 on a desktop: `ls /run/udev/data | wc -l`); two pipes per RUN/IMPORT program it
 * spawns (its stdout and stderr, read back by the worker).
 */
const UDEVD_IO: DaemonIo = { loop: 'sd-event', inotify: 8, runFiles: 700, helperPipes: 2 };
/** Readers of the journal (sd_journal): an inotify watch per journal directory. */
const SD_JOURNAL_READER: DaemonIo = { loop: 'poll', inotify: 3 };
/** cronie: inotify on /etc/crontab, /etc/cron.d and /var/spool/cron. */
export const CROND_IO: DaemonIo = { loop: 'poll', inotify: 3 };
/**
 * tracker-miner-fs monitors every directory it indexes (the XDG folders, recursively): the
 * home tree's 20,000 files at ~20 per directory.
 */
const TRACKER_WATCHES = 1000;

/**
 * system.slice services of a Fedora 31 Workstation. The io column, where it is not the loop's
 * default: NetworkManager watches its connection and ifcfg directories, resolv.conf and the
 * hostname (6), runs DHCPv4 and DHCPv6 clients (a UDP and a UDPv6 socket) and keeps its state in
 * /run/NetworkManager; polkitd watches its rules and actions directories (4); accounts-daemon
 * passwd, shadow, group, gdm's custom.conf and wtmp (5); udisksd fstab, crypttab and
 * /run/mount (3) and keeps /run/udisks2; avahi listens for mDNS and unicast DNS-SD on both
 * families (2 + 2) and watches its services directory; chronyd has its NTP client socket and
 * its command sockets on 127.0.0.1 and ::1; cupsd listens on localhost:631 (127.0.0.1 and
 * ::1); sssd and rsyslog (imjournal) watch resolv.conf / the journal; abrtd its spool
 * directories; packagekitd, fwupd and colord their repository, remote and profile directories;
 * logind keeps users/sessions/seats files in /run/systemd.
 */
const DESKTOP_SERVICES: Row[] = [
  ['systemd-journald.service', 'systemd-journal', 15, 20, 'etc', 0, 40, 12, 0, 100, 0.3, 8192, { ...SD, runFiles: 40 }],
  ['systemd-udevd.service', 'systemd-udevd', 20, 15_000, 'sys', 0, 4, 6, 150, 1000, 0.2, 4096, UDEVD_IO],
  ['systemd-logind.service', 'systemd-logind', 20, 40, 'sys', 0, 10, 20, 0, 2000, 0.1, 2048, { ...SD, runFiles: 12 }],
  ['dbus-broker.service', 'dbus-broker', 15, 60, 'share', 0, 80, 10, 1, 50, 0.02, 4096, SD],
  ['NetworkManager.service', 'NetworkManager', 60, 150, 'sys', 3, 6, 20, 2, 500, 0.2, 8192, glib(6, { udp: 1, udp6: 1, runFiles: 6 })],
  ['firewalld.service', 'firewalld', 40, 1500, 'share', 2, 3, 6, 10, 5000, 0.05, 40960, glib()],
  ['polkit.service', 'polkitd', 50, 100, 'share', 6, 4, 8, 0, 3000, 0.1, 16384, glib(4)],
  ['accounts-daemon.service', 'accounts-daemon', 40, 60, 'etc', 2, 3, 6, 0, 5000, 0.2, 4096, glib(5)],
  ['udisks2.service', 'udisksd', 60, 400, 'sys', 4, 3, 10, 5, 2000, 0.3, 8192, glib(3, { runFiles: 2 })],
  ['upower.service', 'upowerd', 40, 100, 'sys', 2, 3, 8, 0, 2000, 0.5, 4096, glib()],
  ['ModemManager.service', 'ModemManager', 40, 60, 'sys', 2, 3, 6, 0, 5000, 0.1, 4096, glib()],
  ['avahi-daemon.service', 'avahi-daemon', 15, 30, 'etc', 0, 3, 6, 1, 3000, 0.05, 1024, { loop: 'poll', inotify: 1, udp: 2, udp6: 2 }],
  ['chronyd.service', 'chronyd', 10, 10, 'etc', 0, 2, 4, 0, 2000, 0.05, 1024, { loop: 'poll', udp: 2, udp6: 1 }],
  ['rtkit-daemon.service', 'rtkit-daemon', 10, 5, 'etc', 2, 2, 4, 0, 10000, 0.1, 512, POLL],
  ['abrtd.service', 'abrtd', 30, 80, 'etc', 1, 3, 6, 2, 10000, 0.1, 4096, glib(2)],
  ['abrt-journal-core.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048, SD_JOURNAL_READER],
  ['abrt-oops.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048, SD_JOURNAL_READER],
  ['abrt-xorg.service', 'abrt-dump-journ', 25, 20, 'etc', 0, 2, 4, 0, 5000, 0.05, 2048, SD_JOURNAL_READER],
  ['auditd.service', 'auditd', 10, 15, 'etc', 1, 2, 6, 1, 1000, 0.05, 2048, EPOLL],
  ['sssd.service', 'sssd', 30, 60, 'etc', 3, 8, 12, 2, 5000, 0.1, 8192, { loop: 'epoll', inotify: 2 }],
  ['gdm.service', 'gdm', 50, 80, 'share', 2, 6, 10, 0, 5000, 0.05, 8192, glib()],
  ['cups.service', 'cupsd', 40, 200, 'share', 0, 4, 10, 2, 10000, 0.05, 4096, { loop: 'epoll', tcp: 1, tcp6: 1 }],
  ['bluetooth.service', 'bluetoothd', 20, 30, 'sys', 0, 3, 6, 0, 5000, 0.1, 2048, glib()],
  ['wpa_supplicant.service', 'wpa_supplicant', 20, 10, 'etc', 0, 3, 6, 0, 2000, 0.1, 2048, POLL],
  ['switcheroo-control.service', 'switcheroo-cont', 20, 20, 'sys', 2, 2, 4, 0, 30000, 0.05, 1024, glib()],
  ['alsa-state.service', 'alsactl', 5, 20, 'share', 0, 1, 2, 0, 30000, 0.05, 512, POLL],
  ['mcelog.service', 'mcelog', 5, 5, 'etc', 0, 2, 2, 0, 10000, 0.1, 512, POLL],
  ['smartd.service', 'smartd', 10, 20, 'sys', 0, 2, 4, 0, 30000, 0.5, 1024, POLL],
  ['gssproxy.service', 'gssproxy', 15, 10, 'etc', 5, 2, 4, 0, 30000, 0.05, 2048, EPOLL],
  ['rngd.service', 'rngd', 10, 5, 'sys', 3, 1, 4, 0, 500, 0.05, 1024, POLL],
  ['low-memory-monitor.service', 'low-memory-moni', 10, 5, 'sys', 2, 2, 4, 0, 2000, 0.8, 512, glib()],
  ['packagekit.service', 'packagekitd', 80, 300, 'share', 3, 4, 12, 1, 10000, 0.05, 61440, glib(3)],
  ['fwupd.service', 'fwupd', 60, 200, 'share', 4, 3, 8, 1, 10000, 0.05, 16384, glib(3)],
  ['bolt.service', 'boltd', 20, 20, 'sys', 2, 2, 4, 0, 10000, 0.1, 1024, glib()],
  ['iio-sensor-proxy.service', 'iio-sensor-prox', 20, 20, 'sys', 2, 2, 4, 0, 5000, 0.2, 1024, glib()],
  ['thermald.service', 'thermald', 15, 40, 'sys', 2, 2, 4, 0, 4000, 0.5, 1024, glib()],
  ['colord.service', 'colord', 40, 100, 'share', 2, 3, 6, 0, 10000, 0.05, 4096, glib(3)],
  ['systemd-machined.service', 'systemd-machine', 15, 10, 'etc', 0, 3, 4, 0, 30000, 0.05, 1024, SD],
  ['crond.service', 'crond', 15, 30, 'etc', 0, 2, 4, 0, 60000, 0.1, 1024, CROND_IO],
  ['atd.service', 'atd', 10, 5, 'etc', 0, 1, 2, 0, 60000, 0.05, 512, POLL],
];

/**
 * Oneshot and mount units run at boot: [unit, comm, libs, lookups, tree, run ms, helpers]. The
 * helpers of a shell script ('sh') are command substitutions or pipelines: one pipe each.
 */
type OneshotRow = [string, string, number, number, keyof HostFiles, number, number];
const BOOT_ONESHOTS: OneshotRow[] = [
  ['systemd-tmpfiles-setup.service', 'systemd-tmpfile', 15, 2000, 'etc', 300, 0],
  ['systemd-tmpfiles-setup-dev.service', 'systemd-tmpfile', 15, 300, 'sys', 100, 0],
  ['systemd-udev-trigger.service', 'udevadm', 15, 8000, 'sys', 800, 0],
  ['systemd-udev-settle.service', 'udevadm', 15, 20, 'sys', 1500, 0],
  ['systemd-journal-flush.service', 'journalctl', 15, 20, 'etc', 200, 0],
  ['systemd-random-seed.service', 'systemd-random-', 10, 5, 'etc', 20, 0],
  ['systemd-remount-fs.service', 'systemd-remount', 10, 20, 'etc', 50, 1],
  ['systemd-sysctl.service', 'systemd-sysctl', 10, 300, 'sys', 50, 0],
  ['systemd-modules-load.service', 'systemd-modules', 15, 200, 'share', 200, 0],
  ['systemd-update-utmp.service', 'systemd-update-', 10, 10, 'etc', 20, 0],
  ['systemd-user-sessions.service', 'systemd-user-se', 10, 5, 'etc', 20, 0],
  ['plymouth-start.service', 'plymouthd', 25, 150, 'share', 500, 0],
  ['plymouth-read-write.service', 'plymouth', 15, 5, 'etc', 30, 0],
  ['plymouth-quit.service', 'plymouth', 15, 5, 'etc', 300, 0],
  ['plymouth-quit-wait.service', 'plymouth', 15, 5, 'etc', 2000, 0],
  ['dracut-shutdown.service', 'sh', 10, 20, 'etc', 50, 2],
  ['import-state.service', 'sh', 10, 20, 'etc', 50, 2],
  ['lvm2-monitor.service', 'lvm', 30, 400, 'sys', 300, 1],
  ['lvm2-pvscan@259:2.service', 'lvm', 30, 300, 'sys', 200, 0],
  ['systemd-fsck-root.service', 'systemd-fsck', 15, 20, 'etc', 200, 1],
  ['system-systemd\\x2dfsck.slice/systemd-fsck@dev-disk-by\\x2duuid-boot.service', 'systemd-fsck', 15, 20, 'etc', 150, 1],
  ['systemd-vconsole-setup.service', 'systemd-vconsol', 10, 30, 'share', 50, 2],
  ['kmod-static-nodes.service', 'kmod', 10, 50, 'share', 30, 0],
  ['system-systemd\\x2dbacklight.slice/systemd-backlight@backlight:intel_backlight.service', 'systemd-backlig', 10, 10, 'sys', 20, 0],
  ['systemd-rfkill.service', 'systemd-rfkill', 10, 10, 'sys', 20, 0],
  ['nfs-convert.service', 'nfsconvert', 20, 30, 'etc', 100, 1],
  ['selinux-autorelabel-mark.service', 'sh', 10, 10, 'etc', 20, 1],
  ['systemd-update-utmp-runlevel.service', 'systemd-update-', 10, 10, 'etc', 20, 0],
  ['boot.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['boot-efi.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['home.mount', 'mount', 10, 10, 'etc', 30, 0],
  ['tmp.mount', 'mount', 10, 10, 'etc', 20, 0],
  ['dev-hugepages.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['dev-mqueue.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-kernel-debug.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-fs-fuse-connections.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['sys-kernel-config.mount', 'mount', 10, 5, 'etc', 20, 0],
  ['var-lib-nfs-rpc_pipefs.mount', 'mount', 10, 5, 'etc', 20, 0],
];

/** The GDM greeter session: ~25 processes in one session scope. */
const GREETER: Row[] = [
  ['gnome-shell', 'gnome-shell', 150, 2500, 'share', 15, 12, 30, 0, 200, 0.05, 102400, glib(20, { extraEpollWatches: 8 })],
  ['gnome-session', 'gnome-session-b', 40, 80, 'share', 3, 6, 8, 0, 5000, 0.05, 8192, glib(2)],
  ['Xwayland', 'Xwayland', 60, 100, 'share', 2, 6, 10, 0, 1000, 0.02, 16384, EPOLL],
  ['gdm-wayland-ses', 'gdm-wayland-ses', 30, 10, 'etc', 2, 2, 4, 0, 30000, 0.02, 1024, glib()],
  ['pulseaudio', 'pulseaudio', 40, 100, 'share', 3, 6, 12, 0, 200, 0.05, 8192, POLL],
  ['ibus-daemon', 'ibus-daemon', 40, 60, 'share', 2, 4, 6, 0, 3000, 0.02, 4096, glib(2)],
  ['at-spi-bus-laun', 'at-spi-bus-laun', 30, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048, glib()],
  ['dbus-daemon', 'dbus-daemon', 15, 30, 'share', 0, 12, 4, 0, 500, 0.02, 2048, EPOLL],
];
const GSD = ['a11y-settings', 'color', 'datetime', 'housekeeping', 'keyboard', 'media-keys', 'power', 'print-notifications', 'rfkill', 'screensaver-proxy', 'sharing', 'smartcard', 'sound', 'wacom', 'xsettings'];
/** Settings-daemon plugins built on GTK that open the Wayland display (see the header). */
const GSD_GTK = new Set(['color', 'housekeeping', 'keyboard', 'media-keys', 'power', 'print-notifications', 'wacom']);
/** gsd-xsettings monitors the fontconfig directories (~10); the other plugins watch no files. */
const GSD_ROW = (name: string): Row => [
  `org.gnome.SettingsDaemon.${name}.service`,
  `gsd-${name}`.slice(0, 15),
  45, 40, 'share', 3, 4, 6, 0, 3000, 0.1, 4096,
  glib(name === 'xsettings' ? 10 : 0, GSD_GTK.has(name) ? GTK_WAYLAND : {}),
];

/** user@1000.service units of a GNOME 3.34 session. */
const USER_UNITS: Row[] = [
  ['gnome-shell-wayland.service', 'gnome-shell', 150, 4000, 'share', 20, 20, 40, 1, 100, 0.05, 153600, glib(30, { extraEpollWatches: 20 })],
  ['gnome-session-manager@gnome.service', 'gnome-session-b', 40, 100, 'share', 3, 8, 10, 2, 5000, 0.05, 8192, glib(2)],
  ['pulseaudio.service', 'pulseaudio', 40, 120, 'share', 3, 8, 14, 0, 100, 0.05, 8192, POLL],
  ['dbus.service', 'dbus-broker', 15, 60, 'share', 0, 60, 8, 1, 50, 0.02, 4096, SD],
  ['at-spi-dbus-bus.service', 'at-spi-bus-laun', 30, 10, 'share', 3, 3, 4, 1, 30000, 0.02, 2048, glib()],
  ['gvfs-daemon.service', 'gvfsd', 40, 20, 'share', 2, 4, 6, 2, 10000, 0.05, 2048, glib()],
  ['gvfs-udisks2-volume-monitor.service', 'gvfs-udisks2-vo', 50, 40, 'sys', 3, 3, 6, 0, 5000, 0.2, 4096, glib(2)],
  ['gvfs-goa-volume-monitor.service', 'gvfs-goa-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048, glib()],
  ['gvfs-gphoto2-volume-monitor.service', 'gvfs-gphoto2-vo', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048, glib()],
  ['gvfs-mtp-volume-monitor.service', 'gvfs-mtp-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048, glib()],
  ['gvfs-afc-volume-monitor.service', 'gvfs-afc-volume', 45, 10, 'share', 3, 3, 4, 0, 30000, 0.02, 2048, glib()],
  ['gvfs-metadata.service', 'gvfsd-metadata', 35, 30, 'home', 2, 2, 4, 0, 30000, 0.02, 2048, glib(1)],
  ['evolution-source-registry.service', 'evolution-sourc', 70, 100, 'share', 4, 4, 8, 0, 10000, 0.02, 16384, glib(2)],
  ['evolution-calendar-factory.service', 'evolution-calen', 90, 150, 'share', 6, 4, 10, 0, 10000, 0.02, 24576, glib(2)],
  ['evolution-addressbook-factory.service', 'evolution-addre', 80, 120, 'share', 5, 4, 10, 0, 10000, 0.02, 16384, glib(1)],
  ['tracker-store.service', 'tracker-store', 50, 200, 'share', 4, 4, 12, 0, 1000, 0.05, 16384, glib()],
  ['tracker-miner-fs.service', 'tracker-miner-f', 70, 10_000, 'home', 4, 4, 12, 0, 500, 0.05, 32768, glib(TRACKER_WATCHES)],
  ['xdg-permission-store.service', 'xdg-permission-', 20, 10, 'home', 2, 2, 4, 0, 30000, 0.02, 1024, glib()],
  ['xdg-document-portal.service', 'xdg-document-po', 30, 10, 'home', 4, 2, 4, 0, 30000, 0.02, 2048, glib()],
  ['xdg-desktop-portal.service', 'xdg-desktop-por', 40, 30, 'share', 3, 4, 6, 0, 10000, 0.02, 4096, glib()],
  ['xdg-desktop-portal-gtk.service', 'xdg-desktop-por', 80, 200, 'share', 3, 4, 6, 0, 10000, 0.02, 8192, glib(0, GTK_WAYLAND)],
  ['dconf.service', 'dconf-service', 15, 10, 'home', 2, 2, 4, 0, 10000, 0.02, 1024, glib()],
  ['goa-daemon.service', 'goa-daemon', 80, 100, 'share', 3, 4, 6, 0, 30000, 0.02, 8192, glib(1)],
  ['goa-identity-service.service', 'goa-identity-se', 50, 30, 'share', 3, 3, 4, 0, 30000, 0.02, 4096, glib()],
  ['gnome-keyring-daemon.service', 'gnome-keyring-d', 30, 20, 'home', 3, 4, 6, 0, 30000, 0.02, 4096, glib(1)],
  ['gnome-software.service', 'gnome-software', 150, 1500, 'share', 8, 6, 20, 2, 2000, 0.05, 81920, glib(20, GTK_WAYLAND)],
  ['evolution-alarm-notify.service', 'evolution-alarm', 90, 200, 'share', 4, 4, 8, 0, 30000, 0.02, 16384, glib(0, GTK_WAYLAND)],
  ['abrt-applet.service', 'abrt-applet', 60, 100, 'share', 3, 3, 6, 0, 30000, 0.02, 8192, glib(1, GTK_WAYLAND)],
  ['ibus.service', 'ibus-daemon', 40, 60, 'share', 2, 4, 6, 2, 3000, 0.02, 4096, glib(2)],
];

/** A server distribution (no desktop): the services a RHEL/Fedora Server host runs. */
const SERVER_SERVICES: Row[] = [
  ['systemd-journald.service', 'systemd-journal', 15, 20, 'etc', 0, 30, 12, 0, 100, 0.3, 8192, { ...SD, runFiles: 30 }],
  ['systemd-udevd.service', 'systemd-udevd', 20, 15_000, 'sys', 0, 4, 6, 150, 1000, 0.2, 4096, UDEVD_IO],
  ['systemd-logind.service', 'systemd-logind', 20, 40, 'sys', 0, 8, 20, 0, 2000, 0.1, 2048, { ...SD, runFiles: 6 }],
  ['dbus-broker.service', 'dbus-broker', 15, 60, 'share', 0, 30, 10, 1, 200, 0.02, 4096, SD],
  ['NetworkManager.service', 'NetworkManager', 60, 150, 'sys', 3, 6, 20, 2, 500, 0.2, 8192, glib(6, { udp: 1, udp6: 1, runFiles: 6 })],
  ['firewalld.service', 'firewalld', 40, 1500, 'share', 2, 3, 6, 10, 5000, 0.05, 40960, glib()],
  ['polkit.service', 'polkitd', 50, 100, 'share', 6, 4, 8, 0, 3000, 0.1, 16384, glib(4)],
  ['sshd.service', 'sshd', 30, 30, 'etc', 0, 2, 4, 1, 30000, 0.02, 2048, { loop: 'poll', tcp: 1, tcp6: 1 }],
  ['auditd.service', 'auditd', 10, 15, 'etc', 1, 2, 6, 1, 1000, 0.05, 2048, EPOLL],
  ['chronyd.service', 'chronyd', 10, 10, 'etc', 0, 2, 4, 0, 2000, 0.05, 1024, { loop: 'poll', udp: 2, udp6: 1 }],
  ['crond.service', 'crond', 15, 30, 'etc', 0, 2, 4, 0, 60000, 0.1, 1024, CROND_IO],
  ['rsyslog.service', 'rsyslogd', 25, 20, 'etc', 3, 4, 8, 0, 500, 0.02, 4096, { loop: 'epoll', inotify: 2 }],
  ['irqbalance.service', 'irqbalance', 15, 300, 'sys', 1, 2, 4, 0, 10000, 1, 2048, glib()],
  ['tuned.service', 'tuned', 40, 1200, 'share', 4, 3, 8, 6, 10000, 0.3, 24576, POLL],
  ['gssproxy.service', 'gssproxy', 15, 10, 'etc', 5, 2, 4, 0, 30000, 0.05, 2048, EPOLL],
  ['rngd.service', 'rngd', 10, 5, 'sys', 3, 1, 4, 0, 500, 0.05, 1024, POLL],
  ['smartd.service', 'smartd', 10, 20, 'sys', 0, 2, 4, 0, 30000, 0.5, 1024, POLL],
  ['sssd.service', 'sssd', 30, 60, 'etc', 3, 8, 12, 2, 5000, 0.1, 8192, { loop: 'epoll', inotify: 2 }],
  ['atd.service', 'atd', 10, 5, 'etc', 0, 1, 2, 0, 60000, 0.05, 512, POLL],
  ['lvm2-lvmetad.service', 'lvmetad', 15, 10, 'etc', 2, 2, 4, 0, 30000, 0.02, 1024, POLL],
  ['opal-prd.service', 'opal-prd', 10, 40, 'sys', 0, 2, 4, 0, 10000, 0.2, 1024, POLL],
  ['rtas_errd.service', 'rtas_errd', 10, 40, 'sys', 0, 2, 4, 0, 10000, 0.1, 1024, POLL],
  ['kdump.service', 'kdumpctl', 20, 200, 'etc', 0, 1, 2, 8, 60000, 0.02, 2048, POLL],
  ['libvirtd.service', 'libvirtd', 90, 300, 'share', 16, 6, 20, 4, 5000, 0.1, 16384, POLL],
  ['getty@tty1.service', 'agetty', 5, 5, 'etc', 0, 1, 3, 0, 60000, 0.01, 256, POLL],
  ['serial-getty@hvc0.service', 'agetty', 5, 5, 'etc', 0, 1, 3, 0, 60000, 0.01, 256, POLL],
  ['systemd-machined.service', 'systemd-machine', 15, 10, 'etc', 0, 3, 4, 0, 30000, 0.05, 1024, SD],
];

/** Entries boot oneshots create on tmpfs (see the header). */
const TMPFS_ENTRIES: Record<string, number> = { 'systemd-tmpfiles-setup.service': 150, 'systemd-tmpfiles-setup-dev.service': 20 };

const SERVER_ONESHOTS: OneshotRow[] = BOOT_ONESHOTS.filter(([u]) => !/plymouth|backlight|rfkill|vconsole/.test(u));

export type HostProfile = 'desktop' | 'server';

/** The unit actors of a host boot, started on the loop. Returns the host. */
export function startHostBoot(ctx: WorkloadContext, profile: HostProfile, untilNs: number): SystemdHost {
  const host = new SystemdHost(ctx, distroFiles(ctx));
  const loop = ctx.loop;
  const rng = ctx.rng;
  const oneshots = profile === 'desktop' ? BOOT_ONESHOTS : SERVER_ONESHOTS;
  for (const [unit, comm, libs, lookups, tree, runMs, helpers] of oneshots) {
    const prog: ProgramSpec = { comm, libs, dataFiles: scaled(ctx, lookups, 0), dataSet: tree, negLookups: 10, anonKb: 512 };
    const opts = { runMs, helpers, migrate: MIGRATE_BUSY, helperPipes: comm === 'sh' ? 1 : 0, runFiles: TMPFS_ENTRIES[unit] ?? 0 };
    loop.spawn(oneshot(host, `/system.slice/${unit}`, prog, rng.fork(), opts), rng.range(0, 3000) * MS);
  }
  const services = profile === 'desktop' ? DESKTOP_SERVICES : SERVER_SERVICES;
  for (const row of services) {
    const spec = daemonSpec(row, ctx.scale);
    loop.spawn(daemon(host, `/system.slice/${row[0]}`, spec, rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), (1000 + rng.range(0, 7000)) * MS);
  }
  if (profile === 'desktop') {
    // the login screen: one session scope of the gdm user, many processes
    const greeter = '/user.slice/user-42.slice/session-c1.scope';
    for (const row of [...GREETER, ...GSD.map(GSD_ROW)]) {
      loop.spawn(daemon(host, greeter, daemonSpec(row, ctx.scale), rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), (6000 + rng.range(0, 4000)) * MS);
    }
    loop.spawn(userLogin(ctx, host, untilNs), 20 * SEC);
  } else {
    // an administrator's ssh session
    loop.spawn(
      daemon(host, '/user.slice/user-0.slice/session-1.scope', daemonSpec(['session-1.scope', 'bash', 10, 30, 'etc', 0, 2, 4, 3, 5000, 0.05, 2048, { loop: 'poll', helperPipes: 1 }], 1), rng.fork(), {
        migrate: MIGRATE_IDLE,
        untilNs,
      }),
      30 * SEC,
    );
  }
  return host;
}

/** The user logs in at the greeter: a session scope, then the user manager's units. */
function* userLogin(ctx: WorkloadContext, host: SystemdHost, untilNs: number): Actor {
  const rng = ctx.rng.fork();
  const base = '/user.slice/user-1000.slice';
  ctx.loop.spawn(oneshot(host, '/system.slice/system-user\\x2druntime\\x2ddir.slice/user-runtime-dir@1000.service', { comm: 'systemd-user-ru', libs: 10, dataFiles: 5, dataSet: 'etc', negLookups: 5, anonKb: 256 }, rng.fork(), { runMs: 30, helpers: 0, migrate: MIGRATE_BUSY }));
  ctx.loop.spawn(daemon(host, `${base}/session-2.scope`, daemonSpec(['session-2.scope', 'gdm-session-wor', 40, 30, 'etc', 2, 4, 8, 1, 30000, 0.02, 4096, glib()], 1), rng.fork(), { migrate: MIGRATE_IDLE, untilNs }));
  yield 300 * MS;
  ctx.loop.spawn(daemon(host, `${base}/user@1000.service/init.scope`, daemonSpec(['init.scope', 'systemd', 25, 300, 'etc', 0, 10, 20, 0, 2000, 0.1, 4096, SD], 1), rng.fork(), { migrate: MIGRATE_IDLE, untilNs }));
  yield 500 * MS;
  for (const row of [...USER_UNITS, ...GSD.map(GSD_ROW)]) {
    ctx.loop.spawn(daemon(host, `${base}/user@1000.service/${row[0]}`, daemonSpec(row, ctx.scale), rng.fork(), { migrate: MIGRATE_BUSY, untilNs }), rng.range(0, 8000) * MS);
  }
}

/** The time at which the desktop is "just loaded": a minute after login. */
export const DESKTOP_BOOT_END_NS = 90 * SEC;

export const boot: WorkloadSpec = {
  name: 'boot',
  description: 'a Fedora 31 desktop coming up under systemd: ~40 services, ~40 boot oneshots, greeter, GNOME user session; ends just after loading',
  defaultMachine: 'desktop',
  cgroup: '/',
  *steps(ctx) {
    startHostBoot(ctx, 'desktop', DESKTOP_BOOT_END_NS);
    yield* ctx.loop.run();
    const rest = DESKTOP_BOOT_END_NS - ctx.loop.nowNs;
    if (rest > 0) yield rest;
  },
};
